package dev.runaway.providers.llm;

import static org.assertj.core.api.Assertions.assertThat;

import dev.runaway.CostExtractor;
import dev.runaway.providers.anthropic.AnthropicCosts;
import dev.runaway.providers.gemini.GeminiCosts;
import dev.runaway.providers.openai.OpenAiCosts;
import dev.runaway.testing.LogCapture;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.slf4j.event.Level;

/**
 * The two results new users most often hand an LLM extractor by mistake (found in a trial): the
 * SDK's stream, returned from {@code guard.call} around {@code createStreaming}, and the reply's
 * text, returned instead of the response object. Neither carries usage, so the call is charged its
 * estimate; the warning must say what to do instead, not only that the type cannot be read.
 */
final class UnreadableResultHintTest {

  /** Shaped like the SDKs' stream types: an interface whose name says Stream. */
  interface StreamResponse<T> extends AutoCloseable {
    Stream<T> stream();

    @Override
    void close();
  }

  static Stream<Arguments> extractors() {
    return Stream.of(Arguments.of("OpenAiCosts", OpenAiCosts.extractor()),
        Arguments.of("AnthropicCosts", AnthropicCosts.extractor()),
        Arguments.of("GeminiCosts", GeminiCosts.extractor()));
  }

  private static List<String> warnings(int mark) {
    return LogCapture.since(mark).stream().filter(e -> e.level() == Level.WARN).map(LogCapture.Event::message)
        .toList();
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("extractors")
  void aStream_isNotPriced_andTheWarningNamesTheStreamHelpers(String name, CostExtractor extractor) {
    StreamResponse<String> stream = new StreamResponse<>() {
      @Override
      public Stream<String> stream() {
        return Stream.empty();
      }

      @Override
      public void close() { }
    };
    int mark = LogCapture.mark();
    assertThat(extractor.costOf(stream)).isNull();
    assertThat(extractor.upperBoundOf(stream)).isNull();
    assertThat(warnings(mark)).singleElement().satisfies(w -> assertThat(w).contains(name)
        .contains("cannot read").contains("OpenAiStreams").contains("guard.reserve"));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("extractors")
  void theRepliesText_isNotPriced_andTheWarningSaysToReturnTheResponse(String name, CostExtractor extractor) {
    int mark = LogCapture.mark();
    assertThat(extractor.costOf("Sure! Here is a haiku about budgets.")).isNull();
    assertThat(warnings(mark)).singleElement().satisfies(w -> assertThat(w).contains(name)
        .contains("returned text").contains("response object"));
  }
}
