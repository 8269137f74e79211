"""pallmall.federation"""
