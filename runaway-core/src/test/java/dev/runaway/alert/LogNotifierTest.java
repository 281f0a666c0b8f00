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
      assertThat(e.message()).isEqualTo("CIRCUIT_BREAKER " + severity + " service=openai: Breaker opened [breaker=OPEN]");
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
}
