"""Named dimensions of the model's arrays (labels in order)."""

AGE_BANDS = ("65-69", "70-74", "75-79", "80-84", "85-89", "90+")
AGE_BAND_WIDTH_YEARS = 5
FIRST_AGE = 65
SEXES = ("female", "male")
NEED_LEVELS = ("none", "low", "moderate", "substantial", "critical")
QUALITY_RATINGS = ("outstanding", "good", "requires_improvement", "inadequate")
SETTINGS = ("care_home", "homecare")

#: Client groups by primary support reason (the breakdown of ``BY_GROUP`` metrics).
CLIENT_GROUPS = ("older_people", "learning_disability", "mental_health",
                 "physical_sensory", "autism")
#: The working-age client groups (``sim.working_age``), the ``client_group`` dimension.
WORKING_AGE_GROUPS = CLIENT_GROUPS[1:]
#: What a working-age client receives (``sim.working_age.codes.Service``, waiting aside).
WORKING_AGE_SERVICES = ("supported_living", "residential", "homecare", "shared_lives",
                        "direct_payment", "day_only")
#: Settings of working-age providers (``sim.working_age.codes.WASetting``).
WORKING_AGE_SETTINGS = ("supported_living", "specialist_residential", "homecare",
                        "shared_lives", "day_opportunities")
#: Ages bounding working age: clients arrive from 18, and at 65 leave the 18-64 figures
#: (they stay in their group and their service).
FIRST_WORKING_AGE = 18

#: Sizes of the fixed dimensions; ``district`` comes from ``county.districts`` and
#: ``council`` from ``county.councils`` (one council when it is absent).
FIXED_DIMS = {
    "age_band": len(AGE_BANDS),
    "sex": len(SEXES),
    "need_level": len(NEED_LEVELS),
    "quality": len(QUALITY_RATINGS),
    "setting": len(SETTINGS),
    "client_group": len(WORKING_AGE_GROUPS),
    "wa_service": len(WORKING_AGE_SERVICES),
    "wa_setting": len(WORKING_AGE_SETTINGS),
}
