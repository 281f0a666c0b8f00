package dev.runaway.examples.monitor;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.runaway.Cost;
import dev.runaway.CostExtractor;

/** Prices the stub's gpt-4o chat completions ($2.50 in, $10 out per million tokens). */
final class DemoPricing {

  private static final ObjectMapper JSON = new ObjectMapper();

  private DemoPricing() {}

  static CostExtractor extractor() {
    return result -> {
      if (!(result instanceof String)) {
        return null;
      }
      try {
        JsonNode usage = JSON.readTree((String) result).path("usage");
        long in = usage.path("prompt_tokens").asLong();
        long out = usage.path("completion_tokens").asLong();
        return Cost.ofNanos(in * 2_500L + out * 10_000L);
      } catch (Exception e) {
        return null;
      }
    };
  }
}
