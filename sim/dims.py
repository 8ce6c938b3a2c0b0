"""Named dimensions of the model's arrays (labels in order)."""

AGE_BANDS = ("65-69", "70-74", "75-79", "80-84", "85-89", "90+")
AGE_BAND_WIDTH_YEARS = 5
FIRST_AGE = 65
SEXES = ("female", "male")
NEED_LEVELS = ("none", "low", "moderate", "substantial", "critical")
QUALITY_RATINGS = ("outstanding", "good", "requires_improvement", "inadequate")
SETTINGS = ("care_home", "homecare")

#: Sizes of the fixed dimensions; ``district`` comes from ``county.districts`` and
#: ``council`` from ``county.councils`` (one council when it is absent).
FIXED_DIMS = {
    "age_band": len(AGE_BANDS),
    "sex": len(SEXES),
    "need_level": len(NEED_LEVELS),
    "quality": len(QUALITY_RATINGS),
    "setting": len(SETTINGS),
}
