print("build with scripts/fuzz.sh")
