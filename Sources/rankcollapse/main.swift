print("rankcollapse")
