"""pallmall.intel"""
