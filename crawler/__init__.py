"""Scrapy project that collects marketplace listings into the findings database."""
