"""pallmall.policy"""
