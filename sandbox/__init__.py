"""A local sandbox marketplace that mimics Goofish, legacy Taobao and plain classifieds."""
