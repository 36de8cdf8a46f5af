"""AWS Lambda entry point: the same ASGI app behind API Gateway/ALB through Mangum.

Configuration comes from the function's environment (DATABASE_URL, REDIS_URL, MONGODB_URI), which the
deployment fills from Secrets Manager / IAM auth. Store clients are built on the first request and
reused for the life of the container; the ASGI lifespan is off because Lambda has no shutdown hook.
"""

from mangum import Mangum

from .api import app

handler = Mangum(app, lifespan="off")
