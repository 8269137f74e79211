"""pallmall.cases"""
