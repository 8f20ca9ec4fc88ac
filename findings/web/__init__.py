"""The analyst review app: a server-rendered Starlette app over the findings database."""
