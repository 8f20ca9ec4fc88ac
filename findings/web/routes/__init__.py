"""One router (a list of routes) per area of the review app."""
