"""The Chengdu-Chongqing twin-city circle: the core model per region, coupled (issue #21)."""
