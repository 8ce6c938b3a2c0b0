"""Calibration to a council's own figures, parameter uncertainty, and global sensitivity.

- ``targets`` and ``periods``: targets files (``calibration/*.yaml``): observed figures,
  checked strictly; ``weekly``: a run's values as targets read them (county totals and
  client groups' rows);
- ``space``: the parameters that vary, with priors from their plausible ranges;
- ``plan``, ``abc``, ``sampler``, ``simulator``: ``caremarket calibrate`` (pyabc's
  ABC-SMC): ``plan_calibration`` then ``calibrate``;
- ``outputs``, ``overlay``, ``figures``, ``text``, ``manifest``: what a calibration folder
  holds;
- ``posterior``: a finished calibration read back, and ``caremarket run --posterior``;
- ``sensitivity`` (SALib's Morris and Sobol methods), ``sensitivity_plan`` and ``study``
  (the model as their function): ``caremarket sensitivity``;
- ``synthetic``: figures simulated at known values, to check that calibration recovers
  them.

Modules that import pyabc (``abc``, ``sampler``) are imported only where needed: it takes
seconds. The guide is docs/calibration.md.
"""
