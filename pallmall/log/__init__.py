"""pallmall.log"""
