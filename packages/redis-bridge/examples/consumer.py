"""A consumer of the vkwire bus in Python (redis-py + jsonschema).

Reads every partition of the stream with its own consumer group, validates each event against the
committed JSON Schema of @vkwire/events-schema, prints it and acks it. One process reads all
partitions, so the order of each conversation holds; several processes of this simple reader
would share entries without vkwire's partition leases.

    pip install redis jsonschema
    python consumer.py redis://127.0.0.1:6379 vkwire:events python-readers
"""
import json
import pathlib
import sys

import jsonschema
import redis

args = sys.argv[1:]
url = args[0] if len(args) > 0 else "redis://127.0.0.1:6379"
stream = args[1] if len(args) > 1 else "vkwire:events"
group = args[2] if len(args) > 2 else "python-readers"
limit = int(args[3]) if len(args) > 3 else None  # stop after this many events (for tests)
schema = json.loads((pathlib.Path(__file__).parent / "../../events-schema/event.schema.json").read_text())
validator = jsonschema.validators.validator_for(schema)(schema)

r = redis.Redis.from_url(url, decode_responses=True)
partitions = int(r.hget(f"{stream}:meta", "partitions") or 0)
streams = [f"{{{stream}:{n}}}" for n in range(partitions)]
for key in streams:
    try:
        r.xgroup_create(key, group, id="0", mkstream=True)
    except redis.ResponseError as error:
        if "BUSYGROUP" not in str(error):
            raise

seen = 0
while limit is None or seen < limit:
    answer = r.xreadgroup(group, "python-1", {key: ">" for key in streams}, count=100, block=1000)
    for key, entries in answer or []:
        for entry_id, fields in entries:
            event = json.loads(fields["data"])
            validator.validate(event)  # raises on anything that is not a vkwire event
            print(fields["event_type"], fields["event_id"], event["group_id"], flush=True)
            r.xack(key, group, entry_id)
            seen += 1
    if answer is None and limit is not None:
        break
