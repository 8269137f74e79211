"""pallmall.registry"""
