package dev.runaway.alert;

import static org.assertj.core.api.Assertions.assertThat;

import dev.runaway.ManualTicker;
import dev.runaway.testing.LogCapture;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;
import org.slf4j.event.Level;

final class LogNotifierTest {

  @ParameterizedTest
  @CsvSource({"INFO, INFO", "WARNING, WARN", "CRITICAL, WARN"})
  void send_logsOneLineAtTheSeverity(Severity severity, Level level) {
    int mark = LogCapture.mark();
    new LogNotifier().send(new Alert(AlertType.CIRCUIT_BREAKER, severity, "openai", null, "Breaker opened",
        "many\nlines", ManualTicker.create().instant(), Map.of("breaker", "OPEN")));
    List<LogCapture.Event> events = LogCapture.since(mark);
    assertThat(events).singleElement().satisfies(e -> {
      assertThat(e.logger()).isEqualTo("dev.runaway.alert.LogNotifier");
      assertThat(e.level()).isEqualTo(level);
      assertThat(e.message())
          .isEqualTo("CIRCUIT_BREAKER " + severity + " service=openai: Breaker opened [breaker=OPEN] - many lines");
    });
  }

  @Test
  void format_keepsOneAlertOnOneLine() {
    Map<String, String> facts = new LinkedHashMap<>();
    facts.put("spent", "$1.20");
    facts.put("note", "a\r\nb\nc");
    Alert a = new Alert(AlertType.USAGE_SPIKE, Severity.WARNING, "openai", "tenant\n42", "Spend\nspike", "",
        ManualTicker.create().instant(), facts);
    assertThat(LogNotifier.format(a))
        .isEqualTo("USAGE_SPIKE WARNING service=openai key=tenant 42: Spend spike [spent=$1.20, note=a b c]");
    assertThat(new LogNotifier()).hasToString("LogNotifier");
  }

  /**
   * The detail says what to do (how to close a breaker, how to undo an action); before, the log,
   * where alerts go by default, left it out (a new user's trial, helper nu81).
   */
  @Test
  void format_endsWithTheDetail_whichSaysWhatToDo() {
    Alert a = new Alert(AlertType.CIRCUIT_BREAKER, Severity.CRITICAL, "openai", null, "Circuit breaker OPEN",
        "Calls fail fast.\nTo close it by hand: guard.breaker(\"openai\").reset().", ManualTicker.create().instant(),
        Map.of("breaker", "OPEN"));
    assertThat(LogNotifier.format(a)).isEqualTo("CIRCUIT_BREAKER CRITICAL service=openai: Circuit breaker OPEN"
        + " [breaker=OPEN] - Calls fail fast. To close it by hand: guard.breaker(\"openai\").reset().");
    Alert noFacts = new Alert(AlertType.SERVICE_STATUS, Severity.WARNING, "stripe", null, "Usage API failing",
        "Check the key.", ManualTicker.create().instant(), Map.of());
    assertThat(LogNotifier.format(noFacts)).isEqualTo("SERVICE_STATUS WARNING service=stripe: Usage API failing - Check the key.");
  }
}
