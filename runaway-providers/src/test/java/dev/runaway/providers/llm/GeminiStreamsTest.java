package dev.runaway.providers.llm;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.genai.Client;
import com.google.genai.types.GenerateContentResponse;
import com.google.genai.types.HttpOptions;
import dev.runaway.Budget;
import dev.runaway.Cost;
import dev.runaway.ManualTicker;
import dev.runaway.RunawayException;
import dev.runaway.RunawayGuard;
import dev.runaway.providers.gemini.GeminiCosts;
import dev.runaway.providers.gemini.GeminiStreams;
import java.lang.ref.WeakReference;
import java.util.Iterator;
import java.util.List;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * {@link GeminiStreams} with the real {@code google-genai} client against a loopback server speaking
 * {@code streamGenerateContent?alt=sse}: {@code data: {GenerateContentResponse}} events, the totals in
 * the {@code usageMetadata} of the chunk whose candidate has {@code finishReason} (fixtures README).
 * Before, a Gemini stream could only be guarded by {@code guard.call}, which charged 1,000 + 1,000
 * tokens at the table's dearest model ($0.014) whatever it cost.
 */
final class GeminiStreamsTest {

  private static final String MODEL = "gemini-2.5-flash";
  private static final String FIRST = "data: {\"candidates\":[{\"content\":{\"role\":\"model\",\"parts\":[{\"text\":\"Hel\"}]}}],"
      + "\"usageMetadata\":{\"trafficType\":\"ON_DEMAND\"},\"modelVersion\":\"" + MODEL + "\"}";
  /** Gemini API style: a middle chunk with the prompt and the output so far. */
  private static final String COUNTED = "data: {\"candidates\":[{\"content\":{\"role\":\"model\",\"parts\":[{\"text\":\"l\"}]}}],"
      + "\"usageMetadata\":{\"promptTokenCount\":1000,\"candidatesTokenCount\":5,\"totalTokenCount\":1005},"
      + "\"modelVersion\":\"" + MODEL + "\"}";
  private static final String LAST = "data: {\"candidates\":[{\"content\":{\"role\":\"model\",\"parts\":[{\"text\":\"o\"}]},"
      + "\"finishReason\":\"STOP\"}],\"usageMetadata\":{\"promptTokenCount\":1000,\"candidatesTokenCount\":100,"
      + "\"thoughtsTokenCount\":300,\"totalTokenCount\":1400},\"modelVersion\":\"" + MODEL + "\"}";
  // gemini-2.5-flash: $0.30 input, $2.50 output (thinking included) per MTok: 1000 * 0.30 + 400 * 2.50
  private static final Cost STREAM_COST = Cost.usd("0.0013");
  private static final Cost ESTIMATE = Cost.usd("0.05");

  private final ManualTicker ticker = ManualTicker.create();
  private final SseStub stub;
  private final Client client;

  GeminiStreamsTest() throws Exception {
    stub = new SseStub();
    client = Client.builder().apiKey("test-key")
        .httpOptions(HttpOptions.builder().baseUrl(stub.baseUrl()).build()).build();
  }

  @AfterEach
  void stop() {
    stub.close();
  }

  private RunawayGuard guard(String hourly) {
    return RunawayGuard.builder()
        .service("gemini", s -> s.budget(Budget.hourly(Cost.usd(hourly))).costExtractor(GeminiCosts.extractor()))
        .ticker(ticker).alertSink(a -> { }).build();
  }

  private Stream<GenerateContentResponse> stream(RunawayGuard guard, Cost estimate) {
    return GeminiStreams.generateContent(guard.service("gemini"), estimate,
        () -> client.models.generateContentStream(MODEL, "hi", null));
  }

  private static Cost spent(RunawayGuard guard) {
    return guard.snapshot("gemini").windows().get(0).spent();
  }

  private static Cost reserved(RunawayGuard guard) {
    return guard.snapshot("gemini").windows().get(0).reserved();
  }

  @Test
  void aStreamReadToItsEnd_passesEveryChunk_andIsChargedItsUsageAtItsModel() {
    stub.script(SseStub.Ending.COMPLETE, FIRST, COUNTED, LAST);
    try (RunawayGuard guard = guard("1")) {
      String text;
      try (Stream<GenerateContentResponse> s = stream(guard, ESTIMATE)) {
        assertThat(reserved(guard)).isEqualTo(ESTIMATE);
        text = s.map(GenerateContentResponse::text).collect(Collectors.joining());
      }
      assertThat(text).isEqualTo("Hello");
      assertThat(stub.bodies).hasSize(1);
      assertThat(spent(guard)).isEqualTo(STREAM_COST);
      assertThat(reserved(guard)).isEqualTo(Cost.ZERO);
    }
  }

  /**
   * A service given a fixed {@code estimate(...)} and no extractor (what the WARN about a stream
   * returned from {@code guard.call} suggests) has nothing to price a result with: the helper's
   * stream was charged its reservation, $0.05, for $0.0013 of usage it had read.
   */
  @Test
  void aStreamOfAServiceWithAnEstimateAndNoExtractor_isChargedItsUsageAtTheBundledPrices() {
    stub.script(SseStub.Ending.COMPLETE, FIRST, COUNTED, LAST);
    try (RunawayGuard guard = RunawayGuard.builder()
        .service("gemini", s -> s.budget(Budget.hourly(Cost.usd("1"))).estimate(Cost.usd("0.02")))
        .ticker(ticker).alertSink(a -> { }).build()) {
      try (Stream<GenerateContentResponse> s = stream(guard, ESTIMATE)) {
        s.forEach(c -> { });
      }
      assertThat(spent(guard)).isEqualTo(STREAM_COST);
      assertThat(reserved(guard)).isEqualTo(Cost.ZERO);
    }
  }

  @Test
  void aStreamReadToItsEnd_withoutClose_isSettledAtItsEnd() {
    stub.script(SseStub.Ending.COMPLETE, FIRST, LAST);
    try (RunawayGuard guard = guard("1")) {
      List<GenerateContentResponse> chunks = stream(guard, ESTIMATE).toList();
      assertThat(chunks).hasSize(2);
      assertThat(spent(guard)).isEqualTo(STREAM_COST);
      assertThat(reserved(guard)).isEqualTo(Cost.ZERO);
    }
  }

  @Test
  void aStreamClosedEarly_isChargedTheLargerOfItsReservationAndTheTokensItShowed() {
    stub.script(SseStub.Ending.HANG, FIRST, COUNTED);
    try (RunawayGuard guard = guard("1")) {
      try (Stream<GenerateContentResponse> s = stream(guard, ESTIMATE)) {
        s.iterator().next();
      }
      assertThat(spent(guard)).isEqualTo(ESTIMATE);
      assertThat(reserved(guard)).isEqualTo(Cost.ZERO);

      // Its counts so far (1,000 prompt + 5 output tokens: $0.0003125) above a small reservation.
      try (Stream<GenerateContentResponse> s = stream(guard, Cost.usd("0.0001"))) {
        Iterator<GenerateContentResponse> it = s.iterator();
        it.next();
        it.next();
      }
      assertThat(spent(guard)).isEqualTo(ESTIMATE.plus(Cost.usd("0.0003125")));
      assertThat(reserved(guard)).isEqualTo(Cost.ZERO);
    }
  }

  @Test
  void aRefusedStream_sendsNothing() {
    stub.script(SseStub.Ending.COMPLETE, FIRST, LAST);
    try (RunawayGuard guard = guard("0.01")) {
      assertThatThrownBy(() -> stream(guard, ESTIMATE)).isInstanceOf(RunawayException.class);
      assertThat(stub.bodies).isEmpty();
      assertThat(spent(guard)).isEqualTo(Cost.ZERO);
    }
  }

  @Test
  void aStartThatThrows_releasesItsReservation() {
    try (RunawayGuard guard = guard("1")) {
      assertThatThrownBy(() -> GeminiStreams.generateContent(guard.service("gemini"), ESTIMATE,
          () -> { throw new IllegalStateException("no network"); })).hasMessage("no network");
      assertThat(spent(guard)).isEqualTo(Cost.ZERO);
      assertThat(reserved(guard)).isEqualTo(Cost.ZERO);
    }
  }

  /**
   * A stream read through its {@code iterator()} while the {@code Stream} itself is no longer held
   * ({@code generateContent(...).iterator()}): the iterator holds the chunks, not the stream, so the
   * cleaner registered on the stream settled it at the next GC, mid-read, charging the reservation
   * ($0.05) for a stream whose usage ($0.0013) came after.
   */
  @Test
  void aStreamReadThroughItsIterator_isNotSettledByAGcWhileTheIteratorIsHeld() {
    stub.script(SseStub.Ending.COMPLETE, FIRST, COUNTED, LAST);
    try (RunawayGuard guard = guard("1")) {
      Iterator<GenerateContentResponse> it = stream(guard, ESTIMATE).iterator();
      it.next();
      for (int i = 0; i < 50 && !reserved(guard).isZero(); i++) {
        System.gc();
        Thread.onSpinWait();
      }
      assertThat(reserved(guard)).isEqualTo(ESTIMATE);
      it.forEachRemaining(c -> { });
      assertThat(spent(guard)).isEqualTo(STREAM_COST);
      assertThat(reserved(guard)).isEqualTo(Cost.ZERO);
    }
  }

  /**
   * A stream whose SDK fails mid-way (an {@code error} event) and that its reader did not close:
   * the failure reaches the reader, and the stream is settled then, not when a GC collects it.
   */
  @Test
  void aStreamThatFailsMidWay_unclosed_isChargedItsReservationWhenItFails() {
    stub.script(SseStub.Ending.COMPLETE, FIRST, COUNTED,
        "data: {\"error\":{\"code\":500,\"message\":\"Internal error\",\"status\":\"INTERNAL\"}}");
    try (RunawayGuard guard = guard("1")) {
      Stream<GenerateContentResponse> s = stream(guard, ESTIMATE);
      assertThatThrownBy(() -> s.forEach(c -> { })).isInstanceOf(RuntimeException.class);
      assertThat(reserved(guard)).isEqualTo(Cost.ZERO);
      assertThat(spent(guard)).isEqualTo(ESTIMATE);
      s.close();
      assertThat(spent(guard)).isEqualTo(ESTIMATE);
    }
  }

  /**
   * Two candidates ({@code candidateCount: 2}): the first finishes with the usage so far, the second
   * after it with the totals. The stream is charged the totals, not the usage of the first finish.
   */
  @Test
  void aStreamOfTwoCandidates_isChargedTheUsageSentWithTheLastOneToFinish() {
    String firstDone = "data: {\"candidates\":[{\"content\":{\"role\":\"model\",\"parts\":[{\"text\":\"A\"}]},"
        + "\"finishReason\":\"STOP\",\"index\":0}],\"usageMetadata\":{\"promptTokenCount\":1000,"
        + "\"candidatesTokenCount\":50,\"totalTokenCount\":1050},\"modelVersion\":\"" + MODEL + "\"}";
    String secondDone = "data: {\"candidates\":[{\"content\":{\"role\":\"model\",\"parts\":[{\"text\":\"B\"}]},"
        + "\"finishReason\":\"STOP\",\"index\":1}],\"usageMetadata\":{\"promptTokenCount\":1000,"
        + "\"candidatesTokenCount\":100,\"thoughtsTokenCount\":300,\"totalTokenCount\":1400},"
        + "\"modelVersion\":\"" + MODEL + "\"}";
    stub.script(SseStub.Ending.COMPLETE, FIRST, firstDone, secondDone);
    try (RunawayGuard guard = guard("1")) {
      try (Stream<GenerateContentResponse> s = stream(guard, ESTIMATE)) {
        assertThat(s.count()).isEqualTo(3);
      }
      assertThat(spent(guard)).isEqualTo(STREAM_COST);
      assertThat(reserved(guard)).isEqualTo(Cost.ZERO);
    }
  }

  @Test
  void aStreamDroppedUnread_isChargedItsReservationOnceCollected() {
    stub.script(SseStub.Ending.COMPLETE, FIRST, LAST);
    try (RunawayGuard guard = guard("1")) {
      WeakReference<Object> dropped = new WeakReference<>(stream(guard, ESTIMATE));
      assertThat(reserved(guard)).isEqualTo(ESTIMATE);
      for (int i = 0; i < 200 && !reserved(guard).isZero(); i++) {
        System.gc();
        Thread.onSpinWait();
      }
      assertThat(dropped.get()).isNull();
      assertThat(reserved(guard)).isEqualTo(Cost.ZERO);
      assertThat(spent(guard)).isEqualTo(ESTIMATE);
    }
  }

  /** An SDK stream that records whether it was closed. */
  private static final class Source implements Iterable<String>, AutoCloseable {
    final java.util.concurrent.atomic.AtomicBoolean closed = new java.util.concurrent.atomic.AtomicBoolean();

    @Override
    public Iterator<String> iterator() {
      return List.of("a", "b").iterator();
    }

    @Override
    public void close() {
      closed.set(true);
    }
  }

  @Test
  void aStreamDroppedUnread_closesTheSdkStreamWhenCollected_andOneReadToItsEndIsLeftToItsReader() {
    try (RunawayGuard guard = guard("1")) {
      Source dropped = new Source();
      GeminiStreams.generateContent(guard.service("gemini"), ESTIMATE, () -> dropped);
      for (int i = 0; i < 200 && !reserved(guard).isZero(); i++) {
        System.gc();
        Thread.onSpinWait();
      }
      assertThat(reserved(guard)).isEqualTo(Cost.ZERO);
      // Before: charged, but the SDK's stream (and its HTTP connection) left open.
      long deadline = System.nanoTime() + 5_000_000_000L; // the cleaner's thread closes it right after settling
      while (!dropped.closed.get() && System.nanoTime() < deadline) {
        Thread.onSpinWait();
      }
      assertThat(dropped.closed).isTrue();

      // A stream read to its end (settled there) is not closed behind its reader's back by a later GC.
      Source read = new Source();
      Iterator<String> it = GeminiStreams.generateContent(guard.service("gemini"), ESTIMATE, () -> read).iterator();
      it.next();
      it.next();
      assertThat(it.hasNext()).isFalse();
      assertThat(reserved(guard)).isEqualTo(Cost.ZERO);
      it = null;
      System.gc();
      assertThat(read.closed).isFalse();
    }
  }
}
