#!/usr/bin/env python3
"""Writes N tasks as JSON lines for `gooddeeds import tasks` (bench/import_bench.sh): open
tasks spread uniformly over a square around a centre, as bench/geo_load does, every other
line in the seed system's column names (creator_id, latitude/longitude, points_reward,
created_at as a MySQL DATETIME), the rest in ours.

    bench/import_gen.py N CREATOR_ID [--lat 52.52 --lng 13.405 --span-km 30 --seed 1] > FILE
"""
import argparse
import json
import math
import random
import sys
import time
import uuid

CATEGORIES = ["shopping", "transport", "garden", "repairs", "tech_help", "pets", "company", "other"]
EARTH_RADIUS_M = 6371008.7714


def main():
    p = argparse.ArgumentParser()
    p.add_argument("n", type=int)
    p.add_argument("creator")
    p.add_argument("--lat", type=float, default=52.52)
    p.add_argument("--lng", type=float, default=13.405)
    p.add_argument("--span-km", type=float, default=30)
    p.add_argument("--seed", type=int, default=1)
    a = p.parse_args()
    rng = random.Random(a.seed)
    dlat = a.span_km * 500 / EARTH_RADIUS_M * 180 / math.pi
    dlng = dlat / math.cos(math.radians(a.lat))
    now_ms = int(time.time() * 1000)
    out = sys.stdout
    dumps = json.dumps
    for i in range(a.n):
        lat = round(a.lat + rng.uniform(-1, 1) * dlat, 6)
        lng = round(a.lng + rng.uniform(-1, 1) * dlng, 6)
        created = now_ms - rng.randrange(30 * 24 * 3600 * 1000)
        task_id = str(uuid.UUID(int=rng.getrandbits(128), version=4))
        if i % 2:
            row = {"id": task_id, "creator_id": a.creator, "title": "Help wanted %d" % i,
                   "description": "A benchmark task", "category": CATEGORIES[i % 8],
                   "latitude": lat, "longitude": lng, "points_reward": 10 + i % 90,
                   "status": "open", "is_completed": False, "is_deleted": False,
                   "created_at": time.strftime("%Y-%m-%d %H:%M:%S", time.gmtime(created / 1000))}
        else:
            row = {"id": task_id, "creatorId": a.creator, "title": "Help wanted %d" % i,
                   "description": "A benchmark task", "category": CATEGORIES[i % 8],
                   "location": {"lat": lat, "lng": lng}, "pointsReward": 10 + i % 90,
                   "createdAt": created}
        out.write(dumps(row, separators=(",", ":")))
        out.write("\n")


if __name__ == "__main__":
    main()
