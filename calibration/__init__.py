"""Calibration: fit a region's profile to its documented figures, and report the fit.

标定：将区域参数拟合到有据可查的历史数据并生成拟合报告。``fitting`` finds
the profile (a MAP fit), ``report`` writes the fit report, ``cli`` is the
command (``python -m calibration REGION``, also ``python -m simulator
calibrate``). The calibration builds on the simulator, never the reverse: the
fit statistics it reports are :mod:`simulator.fit_stats`, and the data are
:mod:`simulator.data`.
"""
