"""pallmall.api"""
