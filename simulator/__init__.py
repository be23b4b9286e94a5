"""Innovation Dynamics: system-dynamics scenarios for regional S&T policy.

区域科技创新政策的系统动力学情景模拟。
"""

__version__ = "0.1.0"
