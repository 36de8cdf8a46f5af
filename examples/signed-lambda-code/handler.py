"""The function the example deploys: it answers with the signed artifact's own key (set by the program)."""

import os


def handler(event, context):
    return {"statusCode": 200, "body": os.environ.get("ARTIFACT", "")}
