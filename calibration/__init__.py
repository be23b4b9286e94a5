"""Calibration data and fit statistics.

标定数据与拟合统计。``observations`` loads the documented figures (and the
hold-out file); ``fit_stats`` computes MAPE, RMSPE, R² and Theil's
decomposition of the error.
"""
