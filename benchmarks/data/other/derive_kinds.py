#!/usr/bin/env python3
"""Derives the per-minute counts of the further kinds of traffic in this folder (see README.md) from
their source files; derive.py does the NASA and Twitter series. Usage, one source at a time:
    python3 derive_kinds.py divvy 202101-divvy-tripdata.zip 202102-divvy-tripdata.zip
    python3 derive_kinds.py retail online_retail.parquet      (needs fastparquet)
    python3 derive_kinds.py azure 40d07b9935b0d765eec41cedf70847d06699c0df3e24e1216e0ca893e6e8f71d.csv
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
    # The last 13 weeks of the data (to the last invoice's day, GMT = UTC): a year of one series
    # would outweigh every other series of its group in the per-week figures, and take as long to
    # replay as all of them.
    write("uci_online_retail_purchases_2011q4.csv.gz", counts,
          dt.datetime(2011, 9, 10), dt.datetime(2011, 12, 9, 23, 59))


def azure(files):
    """Azure Functions Trace 2019: one function's invocations per minute over the trace's 14 days
    (one value a line after a header line: days d01 to d14, minutes 1 to 1440 of each). The trace
    gives no dates ("collected in July of 2019"): the series is replayed from Monday 2019-07-15
    00:00 UTC, as days 1-5 and 8-12 are busy and days 6-7 and 13-14 quiet, a working week's shape
    if day 1 is a Monday; the hour of day is that of the trace's 24-hour files."""
    with open(files[0]) as f:
        values = [int(float(x)) for x in f.read().split()[1:]]
    if len(values) != 14 * 1440:
        raise ValueError(f"expected 20160 minutes, found {len(values)}")
    first = dt.datetime(2019, 7, 15)
    counts = {first + dt.timedelta(minutes=i): v for i, v in enumerate(values)}
    write("azure_functions_2019_40d07b.csv.gz", counts, first, first + dt.timedelta(minutes=len(values) - 1))


if __name__ == "__main__":
    kind, files = sys.argv[1], sys.argv[2:]
    {"divvy": divvy, "retail": retail, "azure": azure}[kind](files)
