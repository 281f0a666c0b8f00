#!/usr/bin/env python3
"""Derives the per-minute request counts in this folder from the per-second workload files of
reconfigurable-ml-pipeline/web-service-datasets (see README.md). Usage:
    python3 derive.py NASA_WORKLOAD_TXT TWITTER_WORKLOAD_TXT
Writes nasa_http_jul95.csv.gz, nasa_http_aug95.csv.gz and twitter_stream_aug21.csv.gz
(NAB's format: timestamp,value; timestamps in UTC, one row a minute)."""
import datetime as dt
import gzip
import sys


def per_minute(counts, first_second_utc):
    """Sums per-second counts into UTC minutes; the first second is at first_second_utc."""
    minutes = {}
    for i, c in enumerate(counts):
        t = first_second_utc + dt.timedelta(seconds=i)
        key = t.replace(second=0)
        minutes[key] = minutes.get(key, 0) + c
    return sorted(minutes.items())


def write(name, rows):
    with gzip.open(name, "wt", encoding="ascii", newline="\n") as f:
        f.write("timestamp,value\n")
        for t, v in rows:
            f.write(f"{t:%Y-%m-%d %H:%M:%S},{v}\n")


def main(nasa, twitter):
    counts = [int(x) for x in open(nasa).read().split()]
    # The July log runs from 01/Jul/1995:00:00:01 to 28/Jul/1995:13:32:25 (EDT, UTC-4); the August
    # log starts at 01/Aug/1995:00:00:01; the source joins them without the gap. 2,381,545 seconds
    # is the July part: the August log's hurricane outage (no requests from 14:52:01 on Aug 1 for
    # 37.7 h) then starts exactly where its timestamps put it.
    july = 2_381_545
    edt = dt.timedelta(hours=4)
    write("nasa_http_jul95.csv.gz", per_minute(counts[:july], dt.datetime(1995, 7, 1, 0, 0, 1) + edt))
    write("nasa_http_aug95.csv.gz", per_minute(counts[july:], dt.datetime(1995, 8, 1, 0, 0, 1) + edt))
    tweets = [int(x) for x in open(twitter).read().split()]
    # The source keeps no timestamps: the series is replayed from 2021-08-01 00:00 UTC, the first
    # day of the month it was taken from (the hour of day is therefore approximate).
    write("twitter_stream_aug21.csv.gz", per_minute(tweets, dt.datetime(2021, 8, 1)))


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
