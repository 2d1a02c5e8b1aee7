"""web.html"""
