#!/usr/bin/env python3
"""Derives the per-minute counts of the further kinds of traffic in this folder (see README.md) from
their source files; derive.py does the NASA and Twitter series. Usage, one source at a time:
    python3 derive_kinds.py divvy 202101-divvy-tripdata.zip 202102-divvy-tripdata.zip
    python3 derive_kinds.py retail online_retail.parquet      (needs fastparquet)
Writes NAB's format (timestamp,value; timestamps in UTC; one row a minute, minutes without an
event as 0 rows from the first to the last minute of the source's span)."""
import csv
import datetime as dt
import gzip
import io
import sys
import zipfile


def write(name, counts, first, last):
    """Writes one row a minute from first to last (UTC minutes, inclusive), 0 where none."""
    with gzip.open(name, "wt", encoding="ascii", newline="\n") as f:
        f.write("timestamp,value\n")
        t = first
        while t <= last:
            f.write(f"{t:%Y-%m-%d %H:%M:%S},{counts.get(t, 0)}\n")
            t += dt.timedelta(minutes=1)


def minute(t):
    return t.replace(second=0, microsecond=0)


def divvy(zips):
    """Divvy (Chicago bike share) trips counted by the minute their ride started. The monthly
    files give started_at in Chicago local time; January and February 2021 are all CST (UTC-6),
    daylight saving time began on 2021-03-14."""
    cst = dt.timedelta(hours=6)
    counts = {}
    for z in zips:
        with zipfile.ZipFile(z) as archive:
            name = [n for n in archive.namelist() if n.endswith(".csv")][0]
            with archive.open(name) as raw:
                for row in csv.DictReader(io.TextIOWrapper(raw, "utf-8")):
                    t = minute(dt.datetime.strptime(row["started_at"], "%Y-%m-%d %H:%M:%S")) + cst
                    counts[t] = counts.get(t, 0) + 1
    write("divvy_bikeshare_janfeb21.csv.gz", counts,
          dt.datetime(2021, 1, 1) + cst, dt.datetime(2021, 2, 28, 23, 59) + cst)


def retail(files):
    """UCI Online Retail: every line of an invoice of a UK online retailer (one product bought in
    an order), counted by the invoice's minute; lines with a quantity of 0 or less (cancellations)
    are left out. InvoiceDate is taken as UK local time (GMT, or BST from 2011-03-27 to 10-30)."""
    import fastparquet
    from zoneinfo import ZoneInfo
    london = ZoneInfo("Europe/London")
    utc = dt.timezone.utc
    frame = fastparquet.ParquetFile(files[0]).to_pandas(columns=["InvoiceDate", "Quantity"])
    counts = {}
    for t, q in zip(frame["InvoiceDate"], frame["Quantity"]):
        if q > 0:
            local = minute(t.to_pydatetime()).replace(tzinfo=london)
            key = local.astimezone(utc).replace(tzinfo=None)
            counts[key] = counts.get(key, 0) + 1
    # Whole UK days from the first invoice's day to the last's; both are in GMT (= UTC).
    write("uci_online_retail_purchases_1011.csv.gz", counts,
          dt.datetime(2010, 12, 1), dt.datetime(2011, 12, 9, 23, 59))


if __name__ == "__main__":
    kind, files = sys.argv[1], sys.argv[2:]
    {"divvy": divvy, "retail": retail}[kind](files)
