package dev.runaway.providers.openai;

import static org.assertj.core.api.Assertions.assertThat;

import dev.runaway.Cost;
import dev.runaway.monitor.Detector;
import dev.runaway.monitor.DetectorProvider;
import dev.runaway.monitor.PollContext;
import dev.runaway.monitor.UsageItem;
import dev.runaway.monitor.UsageReport;
import dev.runaway.testing.DetectorContractTest;
import dev.runaway.testing.RecordedRequest;
import dev.runaway.testing.StubResponse;
import dev.runaway.testing.StubServer;
import dev.runaway.testing.TimeWindow;
import dev.runaway.testing.LogCapture;
import java.net.URI;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.slf4j.event.Level;

/** The OpenAI detector against the organization Usage and Costs APIs' wire format (openai.md). */
final class OpenAiDetectorContractTest extends DetectorContractTest {

  static final String USAGE = "/v1/organization/usage/";
  static final String COSTS = "/v1/organization/costs";
  /** 14:00Z, the context's since; NOW is 14:05Z = 1787321100. */
  static final long SINCE = 1787320800L;
  /** 13:00Z: a first poll reads the day's hours before it, minutes from it (late rows from 13:45). */
  static final long HOUR_13 = 1787317200L;
  static final long DAY_2026_08_20 = 1787184000L;
  static final long DAY_2026_08_21 = 1787270400L;

  @Override
  protected DetectorProvider provider() {
    return new OpenAiDetectorProvider();
  }

  @Override
  protected Map<String, Object> settings(URI baseUrl) {
    return Map.of("base_url", baseUrl + "/v1", "endpoints", List.of("completions", "embeddings", "images"),
        "unit_prices", Map.of("images", 0.04));
  }

  @Override
  protected String secretEnv() {
    return "OPENAI_ADMIN_KEY";
  }

  static String bucket(long start, String... results) {
    return "{\"object\":\"bucket\",\"start_time\":" + start + ",\"end_time\":" + (start + 60) + ",\"results\":["
        + String.join(",", results) + "]}";
  }

  static String page(boolean hasMore, String next, String... buckets) {
    return "{\"object\":\"page\",\"data\":[" + String.join(",", buckets) + "],\"has_more\":" + hasMore
        + ",\"next_page\":" + (next == null ? "null" : "\"" + next + "\"") + "}";
  }

  static String completions(String model, long input, long cached, long cacheWrite, long output, long requests,
      Boolean batch) {
    return "{\"object\":\"organization.usage.completions.result\",\"input_tokens\":" + input
        + ",\"output_tokens\":" + output + ",\"num_model_requests\":" + requests + ",\"input_cached_tokens\":"
        + cached + ",\"input_cache_write_tokens\":" + cacheWrite + ",\"input_uncached_tokens\":"
        + (input - cached - cacheWrite) + ",\"input_audio_tokens\":0,\"output_audio_tokens\":0,\"project_id\":null,"
        + "\"user_id\":null,\"api_key_id\":null,\"model\":\"" + model + "\",\"batch\":" + batch
        + ",\"service_tier\":null}";
  }

  static String costs(double yesterday, double today) {
    return "{\"object\":\"page\",\"data\":["
        + "{\"object\":\"bucket\",\"start_time\":" + DAY_2026_08_20 + ",\"end_time\":" + DAY_2026_08_21
        + ",\"results\":[{\"object\":\"organization.costs.result\",\"amount\":{\"value\":" + yesterday
        + ",\"currency\":\"usd\"},\"line_item\":null,\"project_id\":null,\"api_key_id\":null,\"quantity\":null}]},"
        + "{\"object\":\"bucket\",\"start_time\":" + DAY_2026_08_21 + ",\"end_time\":" + (DAY_2026_08_21 + 86400)
        + ",\"results\":[{\"object\":\"organization.costs.result\",\"amount\":{\"value\":" + today
        + ",\"currency\":\"usd\"},\"line_item\":null,\"project_id\":null,\"api_key_id\":null,\"quantity\":null}]}"
        + "],\"has_more\":false,\"next_page\":null}";
  }

  static final String EMPTY = page(false, null);

  @Override
  protected void scriptHappyDay(StubServer stub, PollContext ctx) {
    String page1 = page(true, "page_AAAAAGimgQAAAAAAaKZ_gA==",
        // 13:58, before since: the first poll counts the day from midnight, so it is reported.
        bucket(SINCE - 120, completions("gpt-4o-mini-2024-07-18", 1_000_000, 0, 0, 1_000_000, 9, null)),
        bucket(SINCE + 60,
            completions("gpt-4o-mini-2024-07-18", 182_000, 120_000, 2_000, 41_000, 310, null),
            completions("gpt-4.1-2025-04-14", 9_100, 0, 0, 2_300, 12, null)));
    String page2 = page(false, null, bucket(SINCE + 180,
        completions("gpt-4o-mini-2024-07-18", 2_950_000, 2_400_000, 0, 612_000, 5_120, null),
        completions("gpt-4o-mini-2024-07-18", 1_000_000, 0, 0, 200_000, 40, true)));
    stub.route(USAGE + "completions", r -> r.param("page").isEmpty() ? StubResponse.ok(page1) : StubResponse.ok(page2));
    stub.enqueue(USAGE + "embeddings", StubResponse.ok(page(false, null, bucket(SINCE + 120,
        "{\"object\":\"organization.usage.embeddings.result\",\"input_tokens\":500000,\"num_model_requests\":40,"
            + "\"project_id\":null,\"user_id\":null,\"api_key_id\":null,\"model\":\"text-embedding-3-small\"}"))));
    stub.enqueue(USAGE + "images", StubResponse.ok(page(false, null, bucket(SINCE + 120,
        "{\"object\":\"organization.usage.images.result\",\"images\":3,\"num_model_requests\":3,\"size\":null,"
            + "\"source\":null,\"project_id\":null,\"user_id\":null,\"api_key_id\":null,\"model\":\"gpt-image-1\"}"))));
    // The bill lags the usage: $1.50 billed so far today, less than the $1.7242 priced.
    stub.enqueue(COSTS, StubResponse.ok(costs(41.5, 1.5)));
  }

  @Override
  protected Instant expectedReportFrom(PollContext ctx) {
    return Instant.ofEpochSecond(DAY_2026_08_21);
  }

  @Override
  protected Cost expectedHappyCost() {
    // gpt-4o-mini at 14:01: uncached 60,000 x 0.15 + cached 120,000 x 0.075 + cache write 2,000 x 0.15
    //   + output 41,000 x 0.6 = 42,900 per 1e6 = $0.0429
    // gpt-4.1 (family of gpt-4.1-2025-04-14): 9,100 x 2 + 2,300 x 8 = 36,600 per 1e6 = $0.0366
    // gpt-4o-mini at 14:03: 550,000 x 0.15 + 2,400,000 x 0.075 + 612,000 x 0.6 = 629,700 per 1e6 = $0.6297
    // gpt-4o-mini batch: (1,000,000 x 0.15 + 200,000 x 0.6) x 0.5 = 135,000 per 1e6 = $0.135
    // text-embedding-3-small: 500,000 x 0.02 = 10,000 per 1e6 = $0.01
    // images: 3 x $0.04 = $0.12
    // gpt-4o-mini at 13:58 (the first poll counts the day from midnight): 1,000,000 x 0.15
    //   + 1,000,000 x 0.6 = $0.75
    // Costs API: $1.50 billed today, less than the $1.7242 priced: nothing added, nothing taken back.
    return Cost.usd("1.7242");
  }

  @Override
  protected void assertHappyDay(UsageReport report, StubServer stub) {
    assertThat(report.unit("tokens.input"))
        .isEqualTo(1_000_000 + 182_000 + 9_100 + 2_950_000 + 1_000_000 + 500_000);
    assertThat(report.unit("tokens.output")).isEqualTo(1_000_000 + 41_000 + 2_300 + 612_000 + 200_000);
    assertThat(report.unit("requests")).isEqualTo(9 + 310 + 12 + 5_120 + 40 + 40 + 3);
    assertThat(report.unit("images")).isEqualTo(3);
    assertThat(report.items()).extracting(UsageItem::name)
        .containsExactly("gpt-4o-mini-2024-07-18", "gpt-4.1-2025-04-14", "text-embedding-3-small", "gpt-image-1");
    assertThat(report.items().get(0).cost()).isEqualTo(Cost.usd("1.5576"));
    // The day's hours before 13:00 in hourly buckets, then minutes from 13:00 (two pages each).
    List<RecordedRequest> completions = stub.requestsTo(USAGE + "completions");
    assertThat(completions).hasSize(4);
    RecordedRequest hours = completions.get(0);
    assertThat(hours.header("Authorization")).contains("Bearer " + SECRET);
    assertThat(hours.param("bucket_width")).contains("1h");
    assertThat(hours.param("limit")).contains("13");
    RecordedRequest minutes = completions.get(2);
    assertThat(minutes.param("bucket_width")).contains("1m");
    assertThat(minutes.params("group_by[]"))
        .containsExactly("model", "batch", "service_tier", "project_id", "api_key_id");
    assertThat(minutes.param("limit")).contains("65");
    assertThat(completions.get(1).param("page")).contains("page_AAAAAGimgQAAAAAAaKZ_gA==");
    assertThat(completions.get(3).param("page")).contains("page_AAAAAGimgQAAAAAAaKZ_gA==");
    assertThat(stub.requestsTo(COSTS).get(0).param("bucket_width")).contains("1d");
  }

  @Override
  protected void scriptEmptyDay(StubServer stub, PollContext ctx) {
    for (String e : List.of("completions", "embeddings", "images")) {
      stub.enqueue(USAGE + e, StubResponse.ok(EMPTY));
    }
    stub.enqueue(COSTS, StubResponse.ok(page(false, null)));
  }

  @Override
  protected Optional<TimeWindow> windowOf(RecordedRequest r) {
    return TimeWindow.epochSecondParams(r, "start_time", "end_time");
  }

  @Override
  protected Set<TimeWindow> expectedWindows(PollContext ctx) {
    // A first poll counts the day: its hours until 13:00 (the hour of since less 900 s for late
    // rows) in hourly buckets, then minutes to now; costs: yesterday and today.
    return Set.of(TimeWindow.epochSeconds(DAY_2026_08_21, HOUR_13),
        TimeWindow.epochSeconds(HOUR_13, NOW.getEpochSecond()),
        TimeWindow.epochSeconds(DAY_2026_08_20, NOW.getEpochSecond()));
  }

  private PollContext at(Instant since, Instant now, boolean first) {
    return PollContext.of(since, now, INTERVAL, ticker, first);
  }

  @Test
  void lateRows_areCountedOnceAsTheyGrow() throws Exception {
    Map<String, String> pages = new java.util.concurrent.ConcurrentHashMap<>();
    pages.put("completions", page(false, null,
        bucket(SINCE + 240, completions("gpt-4.1", 100_000, 0, 0, 0, 1, null))));
    stub.route(USAGE + "completions", r -> StubResponse.ok(pages.get("completions")));
    stub.enqueue(USAGE + "embeddings", StubResponse.ok(EMPTY));
    stub.enqueue(USAGE + "images", StubResponse.ok(EMPTY));
    stub.enqueue(COSTS, StubResponse.ok(costs(0, 0)));
    Detector d = create();
    // 100,000 x $2 per 1e6 = $0.20
    assertThat(d.poll(context()).cost()).isEqualTo(Cost.usd("0.2"));
    pages.put("completions", page(false, null,
        bucket(SINCE + 240, completions("gpt-4.1", 150_000, 0, 0, 0, 2, null)),
        bucket(SINCE + 300, completions("gpt-4.1", 10_000, 0, 0, 0, 1, null))));
    ticker.advance(INTERVAL);
    UsageReport second = d.poll(at(NOW, NOW.plus(INTERVAL), false));
    // Only the growth: 50,000 more at 14:04 and 10,000 at 14:05: 60,000 x $2 per 1e6 = $0.12.
    assertThat(second.cost()).isEqualTo(Cost.usd("0.12"));
    assertThat(second.unit("tokens.input")).isEqualTo(60_000);
    List<RecordedRequest> asked = stub.requestsTo(USAGE + "completions");
    assertThat(asked.get(asked.size() - 1).param("start_time")).contains(Long.toString(NOW.getEpochSecond() - 900));
  }

  @Test
  void costsApi_addsWhatTheBillExceedsBeyondTheEstimates() throws Exception {
    Map<String, String> body = new java.util.concurrent.ConcurrentHashMap<>();
    body.put("completions", EMPTY);
    body.put("costs", costs(41.5, 5.0));
    stub.route(USAGE + "completions", r -> StubResponse.ok(body.get("completions")));
    stub.enqueue(USAGE + "embeddings", StubResponse.ok(EMPTY));
    stub.enqueue(USAGE + "images", StubResponse.ok(EMPTY));
    stub.route(COSTS, r -> StubResponse.ok(body.get("costs")));
    Detector d = create();
    // The first poll counts today's bill, $5.00: a (re)started monitor reads the day again.
    assertThat(d.poll(context()).cost()).isEqualTo(Cost.usd("5.00"));

    // An hour later: $2.00 of gpt-4.1 estimated; the bill for today went from $5 to $8.
    ticker.advance(Duration.ofHours(1));
    Instant later = NOW.plus(Duration.ofHours(1));
    long lateBucket = later.getEpochSecond() - 120;
    body.put("completions", page(false, null, "{\"object\":\"bucket\",\"start_time\":" + lateBucket
        + ",\"end_time\":" + (lateBucket + 60) + ",\"results\":[" + completions("gpt-4.1", 1_000_000, 0, 0, 0, 5, null)
        + "]}"));
    body.put("costs", costs(41.5, 8.0));
    UsageReport r = d.poll(at(later.minus(INTERVAL), later, false));
    // Billed 8 - counted 5 by the first poll - estimated 2 = $1.00 added.
    assertThat(r.cost()).isEqualTo(Cost.usd("3.00"));
    assertThat(r.items()).extracting(UsageItem::name).contains("costs_api.reconciliation");
    assertThat(r.items().stream().filter(i -> i.name().equals("costs_api.reconciliation")).findFirst().get().cost())
        .isEqualTo(Cost.usd("1.00"));

    // Another hour, no new usage, the bill unchanged: nothing more. A lower bill takes nothing back.
    ticker.advance(Duration.ofHours(1));
    body.put("completions", EMPTY);
    body.put("costs", costs(41.5, 7.0));
    Instant third = later.plus(Duration.ofHours(1));
    assertThat(d.poll(at(third.minus(INTERVAL), third, false)).cost()).isEqualTo(Cost.ZERO);
    assertThat(stub.requestsTo(COSTS)).hasSize(3);
  }

  /**
   * README (Config reference, "With state_dir set"): "Spend is not kept there: a restarted monitor
   * reads the services' cumulative figures again", and budgets are account-wide ("everything the
   * service billed"). The GitHub detector's first poll reports the day from midnight; the OpenAI
   * one takes today's bill as "spent before it started" and reports nothing of it. Trial nu87: with
   * the Costs API billing $40.96 for the day and the monitor's hourly budget already exhausted
   * ($19.81 of $10.00), a restart showed "openai ... $4.50 / $10.00 (45%)  $4.50 / $100.00 (5%)":
   * a restart (deploy, crash loop) silently resets OpenAI's budgets mid-runaway.
   */
  @Test
  void firstPoll_countsWhatTheCostsApiBilledToday_soARestartKeepsTheDailyBudget() throws Exception {
    stub.route(USAGE + "completions", r -> StubResponse.ok(EMPTY));
    stub.enqueue(USAGE + "embeddings", StubResponse.ok(EMPTY));
    stub.enqueue(USAGE + "images", StubResponse.ok(EMPTY));
    stub.route(COSTS, r -> StubResponse.ok(costs(41.5, 40.96)));
    Detector d = create();
    UsageReport first = d.poll(context());
    assertThat(first.cost()).as("today's bill, $40.96, on the first poll of a (re)started monitor")
        .isEqualTo(Cost.usd("40.96"));
  }

  static String hourBucket(long start, String... results) {
    return "{\"object\":\"bucket\",\"start_time\":" + start + ",\"end_time\":" + (start + 3600)
        + ",\"results\":[" + String.join(",", results) + "]}";
  }

  static Cost itemCost(UsageReport r, String name) {
    return r.items().stream().filter(i -> i.name().equals(name)).map(UsageItem::cost).findFirst().orElse(Cost.ZERO);
  }

  /**
   * A restart at 14:05 into a day with usage and a bill: the morning's hourly usage and the
   * minutes since 13:00 are priced once, and the bill adds only what it exceeds beyond them, so
   * the day's figure is the bill, not the bill plus the usage.
   */
  @Test
  void restartMidDay_countsTheBillOnce_usagePricedPlusExcessIsTheBill() throws Exception {
    Map<String, String> minutes = new java.util.concurrent.ConcurrentHashMap<>();
    Map<String, String> bill = new java.util.concurrent.ConcurrentHashMap<>();
    // 09:00-10:00: 2,000,000 gpt-4.1 input tokens = $4.00; 14:01: 500,000 = $1.00.
    String hours = page(false, null, hourBucket(DAY_2026_08_21 + 9 * 3600,
        completions("gpt-4.1", 2_000_000, 0, 0, 0, 20, null)));
    minutes.put("m", page(false, null, bucket(SINCE + 60, completions("gpt-4.1", 500_000, 0, 0, 0, 5, null))));
    stub.route(USAGE + "completions", r -> StubResponse.ok(r.param("bucket_width").orElse("").equals("1h") ? hours
        : minutes.get("m")));
    stub.route(USAGE + "embeddings", r -> StubResponse.ok(EMPTY));
    stub.route(USAGE + "images", r -> StubResponse.ok(EMPTY));
    bill.put("b", costs(41.5, 40.96));
    stub.route(COSTS, r -> StubResponse.ok(bill.get("b")));
    Detector d = create();

    UsageReport first = d.poll(context());
    assertThat(first.from()).isEqualTo(Instant.ofEpochSecond(DAY_2026_08_21));
    assertThat(first.cost()).as("the day's bill, not the bill plus the priced usage").isEqualTo(Cost.usd("40.96"));
    assertThat(itemCost(first, "gpt-4.1")).isEqualTo(Cost.usd("5.00"));
    assertThat(itemCost(first, "costs_api.reconciliation")).isEqualTo(Cost.usd("35.96"));
    assertThat(first.unit("tokens.input")).isEqualTo(2_500_000);

    // An hour later: $2.00 more priced at 15:03; the bill went from $40.96 to $43.50.
    ticker.advance(Duration.ofHours(1));
    Instant later = NOW.plus(Duration.ofHours(1));
    minutes.put("m", page(false, null, bucket(later.getEpochSecond() - 120,
        completions("gpt-4.1", 1_000_000, 0, 0, 0, 5, null))));
    bill.put("b", costs(41.5, 43.5));
    UsageReport second = d.poll(at(later.minus(INTERVAL), later, false));
    assertThat(second.from()).isEqualTo(later.minus(INTERVAL));
    // 43.50 billed - 40.96 counted - 2.00 priced now = $0.54; the day: 40.96 + 2.54 = the bill.
    assertThat(second.cost()).isEqualTo(Cost.usd("2.54"));
    assertThat(itemCost(second, "costs_api.reconciliation")).isEqualTo(Cost.usd("0.54"));
    assertThat(stub.requestsTo(USAGE + "completions")).extracting(r -> r.param("bucket_width").orElse(""))
        .as("only the first poll reads the day's hours").containsExactly("1h", "1m", "1m");
  }

  /** A bill that lags the usage takes nothing back; it adds only once it passes what was priced. */
  @Test
  void restartMidDay_billBelowThePricedUsage_countsTheUsageAndRefundsNothing() throws Exception {
    Map<String, String> bill = new java.util.concurrent.ConcurrentHashMap<>();
    String hours = page(false, null, hourBucket(DAY_2026_08_21 + 9 * 3600,
        completions("gpt-4.1", 2_500_000, 0, 0, 0, 20, null)));
    stub.route(USAGE + "completions", r -> StubResponse.ok(r.param("bucket_width").orElse("").equals("1h") ? hours
        : EMPTY));
    stub.route(USAGE + "embeddings", r -> StubResponse.ok(EMPTY));
    stub.route(USAGE + "images", r -> StubResponse.ok(EMPTY));
    bill.put("b", costs(41.5, 3.0));
    stub.route(COSTS, r -> StubResponse.ok(bill.get("b")));
    Detector d = create();
    assertThat(d.poll(context()).cost()).as("$5.00 priced, $3.00 billed so far").isEqualTo(Cost.usd("5.00"));

    ticker.advance(Duration.ofHours(1));
    Instant later = NOW.plus(Duration.ofHours(1));
    bill.put("b", costs(41.5, 6.0));
    assertThat(d.poll(at(later.minus(INTERVAL), later, false)).cost()).isEqualTo(Cost.usd("1.00"));
  }

  /**
   * A restart with the Costs API the only source (no priced usage): today's bill counts once; a
   * poll before the Costs API is read again adds nothing, and a later bill adds its growth.
   */
  @Test
  void restartWithCostsOnly_countsTodaysBillOnce() throws Exception {
    Map<String, String> bill = new java.util.concurrent.ConcurrentHashMap<>();
    stub.route(USAGE + "completions", r -> StubResponse.ok(EMPTY));
    stub.route(USAGE + "embeddings", r -> StubResponse.ok(EMPTY));
    stub.route(USAGE + "images", r -> StubResponse.ok(EMPTY));
    bill.put("b", costs(41.5, 40.96));
    stub.route(COSTS, r -> StubResponse.ok(bill.get("b")));
    Detector d = create();
    assertThat(d.poll(context()).cost()).isEqualTo(Cost.usd("40.96"));

    ticker.advance(INTERVAL);
    assertThat(d.poll(at(NOW, NOW.plus(INTERVAL), false)).cost()).isEqualTo(Cost.ZERO);

    ticker.advance(Duration.ofHours(1));
    Instant later = NOW.plus(INTERVAL).plus(Duration.ofHours(1));
    bill.put("b", costs(41.5, 42.0));
    assertThat(d.poll(at(later.minus(INTERVAL), later, false)).cost()).isEqualTo(Cost.usd("1.04"));
    assertThat(stub.requestsTo(COSTS)).hasSize(2);
  }

  /** A first poll whose Costs API read fails counts today's bill at the next poll, not never. */
  @Test
  void restart_costsApiFailingOnTheFirstPoll_countsTheBillAtTheNextOne() throws Exception {
    stub.route(USAGE + "completions", r -> StubResponse.ok(EMPTY));
    stub.route(USAGE + "embeddings", r -> StubResponse.ok(EMPTY));
    stub.route(USAGE + "images", r -> StubResponse.ok(EMPTY));
    stub.enqueue(COSTS, StubResponse.json(500, errorBody(500, "internal")), StubResponse.ok(costs(41.5, 40.96)));
    Detector d = create();
    assertThat(d.poll(context()).cost()).isEqualTo(Cost.ZERO);
    ticker.advance(INTERVAL);
    assertThat(d.poll(at(NOW, NOW.plus(INTERVAL), false)).cost()).isEqualTo(Cost.usd("40.96"));
  }

  /**
   * A restarted monitor's first poll is interrupted (the monitor's poll timeout, at most a minute,
   * against twice as many Usage API reads as before) while it reads the Costs API, after the day's
   * hourly usage was read and committed. The monitor never got that report; the retry must still
   * count the day ($4.00 of gpt-4.1 priced, billed $4.00), not take it as already reported.
   */
  @Test
  void restart_firstPollInterruptedReadingTheCostsApi_theRetryStillCountsTheDay() throws Exception {
    String hours = page(false, null, hourBucket(DAY_2026_08_21 + 9 * 3600,
        completions("gpt-4.1", 2_000_000, 0, 0, 0, 20, null)));
    stub.route(USAGE + "completions", r -> StubResponse.ok(r.param("bucket_width").orElse("").equals("1h") ? hours
        : EMPTY));
    stub.route(USAGE + "embeddings", r -> StubResponse.ok(EMPTY));
    stub.route(USAGE + "images", r -> StubResponse.ok(EMPTY));
    java.util.concurrent.CountDownLatch costsAsked = new java.util.concurrent.CountDownLatch(1);
    java.util.concurrent.atomic.AtomicInteger costsCalls = new java.util.concurrent.atomic.AtomicInteger();
    stub.route(COSTS, r -> {
      costsAsked.countDown();
      StubResponse ok = StubResponse.ok(costs(41.5, 4.0));
      return costsCalls.getAndIncrement() == 0 ? ok.delayed(Duration.ofSeconds(2)) : ok;
    });
    Detector d = create();
    java.util.concurrent.atomic.AtomicReference<Throwable> thrown = new java.util.concurrent.atomic.AtomicReference<>();
    Thread poll = new Thread(() -> {
      try {
        d.poll(context());
      } catch (Throwable t) {
        thrown.set(t);
      }
    });
    poll.start();
    assertThat(costsAsked.await(10, java.util.concurrent.TimeUnit.SECONDS)).isTrue();
    poll.interrupt();
    poll.join(10_000);
    assertThat(thrown.get()).as("the first poll was interrupted: the monitor got no report")
        .isInstanceOf(InterruptedException.class);

    // The monitor retries with the same since (a failed poll does not move it).
    ticker.advance(INTERVAL);
    UsageReport retry = d.poll(at(NOW.minus(INTERVAL), NOW.plus(INTERVAL), false));
    assertThat(retry.cost()).as("the day's $4.00, never reported to the monitor").isEqualTo(Cost.usd("4.00"));
  }

  /**
   * A restart at 00:05: the span asked for starts at midnight, so yesterday's bill ($41.50) and
   * its usage at 23:58 (read again for late rows) are not counted into today; today's are.
   */
  @Test
  void restartAt0005_countsTodayOnly_notYesterdaysBill() throws Exception {
    Instant now = Instant.ofEpochSecond(DAY_2026_08_21 + 300);
    stub.route(USAGE + "completions", r -> StubResponse.ok(page(false, null,
        bucket(DAY_2026_08_21 - 120, completions("gpt-4.1", 1_000_000, 0, 0, 0, 5, null)),
        bucket(DAY_2026_08_21 + 120, completions("gpt-4.1", 100_000, 0, 0, 0, 1, null)))));
    stub.route(USAGE + "embeddings", r -> StubResponse.ok(EMPTY));
    stub.route(USAGE + "images", r -> StubResponse.ok(EMPTY));
    stub.route(COSTS, r -> StubResponse.ok(costs(41.5, 0.3)));
    UsageReport r = create().poll(at(now.minus(INTERVAL), now, true));
    assertThat(r.from()).isEqualTo(Instant.ofEpochSecond(DAY_2026_08_21));
    // 00:02: 100,000 x $2 per 1e6 = $0.20 priced; today's bill $0.30 adds $0.10.
    assertThat(r.cost()).isEqualTo(Cost.usd("0.30"));
    assertThat(r.unit("tokens.input")).isEqualTo(100_000);
    assertThat(stub.requestsTo(USAGE + "completions")).extracting(q -> q.param("bucket_width").orElse(""))
        .containsExactly("1m");
  }

  /**
   * A first poll at 00:02 looking back five minutes: the span began yesterday at 23:57, so it
   * counts from there (the 23:58 usage is in the span asked for), but not yesterday's bill
   * before it.
   */
  @Test
  void restartJustAfterMidnight_spanFromYesterday_countsTheSpanNotYesterdaysBill() throws Exception {
    Instant now = Instant.ofEpochSecond(DAY_2026_08_21 + 120);
    stub.route(USAGE + "completions", r -> StubResponse.ok(page(false, null,
        bucket(DAY_2026_08_21 - 300, completions("gpt-4.1", 1_000_000, 0, 0, 0, 5, null)),
        bucket(DAY_2026_08_21 - 120, completions("gpt-4.1", 100_000, 0, 0, 0, 1, null)))));
    stub.route(USAGE + "embeddings", r -> StubResponse.ok(EMPTY));
    stub.route(USAGE + "images", r -> StubResponse.ok(EMPTY));
    stub.route(COSTS, r -> StubResponse.ok(costs(41.5, 0.0)));
    UsageReport r = create().poll(at(now.minus(INTERVAL), now, true));
    assertThat(r.from()).isEqualTo(now.minus(INTERVAL));
    // 23:58: $0.20, inside the span; 23:55 is before it. Yesterday's $41.50 bill is not counted.
    assertThat(r.cost()).isEqualTo(Cost.usd("0.20"));
  }

  @Test
  void costsApi_isReadOncePerInterval() throws Exception {
    scriptEmptyDay(stub, context());
    Detector d = create();
    d.poll(context());
    ticker.advance(INTERVAL);
    d.poll(at(NOW, NOW.plus(INTERVAL), false));
    assertThat(stub.requestsTo(COSTS)).hasSize(1);
  }

  @Test
  void unknownModel_countsTokensWithoutCostAndWarnsOnce() throws Exception {
    int mark = LogCapture.mark();
    stub.enqueue(USAGE + "completions", StubResponse.ok(page(false, null,
        bucket(SINCE + 60, completions("gpt-9-turbo", 1000, 0, 0, 10, 1, null)),
        bucket(SINCE + 120, completions("gpt-9-turbo", 1000, 0, 0, 10, 1, null)))));
    stub.enqueue(USAGE + "embeddings", StubResponse.ok(EMPTY));
    stub.enqueue(USAGE + "images", StubResponse.ok(EMPTY));
    stub.enqueue(COSTS, StubResponse.ok(costs(0, 0)));
    UsageReport r = create().poll(context());
    assertThat(r.cost()).isEqualTo(Cost.ZERO);
    assertThat(r.unit("tokens.input")).isEqualTo(2000);
    assertThat(LogCapture.since(mark).stream().filter(e -> e.level() == Level.WARN && e.message().contains("gpt-9-turbo")))
        .hasSize(1);
  }

  @Test
  void spanLongerThanADay_readsHourlyBucketsThenMinutes() throws Exception {
    for (String e : List.of("completions", "embeddings", "images")) {
      stub.enqueue(USAGE + e, StubResponse.ok(EMPTY));
    }
    stub.enqueue(COSTS, StubResponse.ok(costs(0, 0)));
    create().poll(at(NOW.minus(Duration.ofDays(2)), NOW, false));
    List<RecordedRequest> rs = stub.requestsTo(USAGE + "completions");
    assertThat(rs).hasSize(2);
    assertThat(rs.get(0).param("bucket_width")).contains("1h");
    assertThat(rs.get(0).param("start_time")).contains(Long.toString(NOW.getEpochSecond() - 2 * 86400 - 300));
    assertThat(rs.get(0).param("end_time")).contains(Long.toString(NOW.getEpochSecond() - 300));
    assertThat(rs.get(0).param("limit")).contains("48");
    assertThat(rs.get(1).param("bucket_width")).contains("1m");
    assertThat(rs.get(1).param("start_time")).contains(Long.toString(NOW.getEpochSecond() - 300));
  }

  @Test
  void unknownSetting_isAConfigErrorNamingThePath() {
    Throwable t = org.assertj.core.api.Assertions.catchThrowable(() -> create(Map.of("unit_prices",
        Map.of("tokens.input", 1.0))));
    assertThat(t).hasMessageContaining("services." + SERVICE + ".unit_prices.tokens.input");
  }
}
