package dev.runaway.monitor.internal;

import static org.assertj.core.api.Assertions.assertThat;

import dev.runaway.config.SecretSource;
import dev.runaway.config.ServiceSettings;
import dev.runaway.monitor.Detector;
import dev.runaway.monitor.DetectorProvider;
import dev.runaway.testing.LogCapture;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;
import java.util.ServiceConfigurationError;
import org.junit.jupiter.api.Test;
import org.slf4j.event.Level;

final class DetectorDiscoveryTest {

  /** A provider of a given type; two subclasses let one type have two providers. */
  static class Typed implements DetectorProvider {
    private final String type;

    Typed(String type) {
      this.type = type;
    }

    @Override
    public String type() {
      return type;
    }

    @Override
    public Detector create(ServiceSettings settings, SecretSource secrets) {
      throw new UnsupportedOperationException();
    }
  }

  static final class First extends Typed {
    First() {
      super("openai");
    }
  }

  static final class Second extends Typed {
    Second() {
      super("openai");
    }
  }

  @Test
  void drain_brokenEntryIsReportedAndTheRestStillLoad() {
    List<Object> script = List.of(new Typed("alpha"), new ServiceConfigurationError("Provider com.example.Gone not found"),
        new Typed("beta"));
    Iterator<DetectorProvider> it = new Iterator<>() {
      int i;

      @Override
      public boolean hasNext() {
        return i < script.size();
      }

      @Override
      public DetectorProvider next() {
        if (i >= script.size()) {
          throw new NoSuchElementException();
        }
        Object o = script.get(i++);
        if (o instanceof ServiceConfigurationError) {
          throw (ServiceConfigurationError) o;
        }
        return (DetectorProvider) o;
      }
    };
    int mark = LogCapture.mark();
    List<DetectorProvider> found = DetectorDiscovery.drain(it);
    assertThat(found).extracting(DetectorProvider::type).containsExactly("alpha", "beta");
    assertThat(LogCapture.since(mark)).anySatisfy(e -> {
      assertThat(e.level()).isEqualTo(Level.WARN);
      assertThat(e.message()).contains("com.example.Gone");
    });
  }

  @Test
  void drain_iteratorThatFailsForeverIsAbandonedAfterABound() {
    Iterator<DetectorProvider> broken = new Iterator<>() {
      @Override
      public boolean hasNext() {
        throw new ServiceConfigurationError("META-INF/services file is malformed");
      }

      @Override
      public DetectorProvider next() {
        throw new NoSuchElementException();
      }
    };
    assertThat(DetectorDiscovery.drain(broken)).isEmpty();
  }

  @Test
  void of_duplicateTypesAreReportedWithTheFullListAndTheFirstIsUsed() {
    int mark = LogCapture.mark();
    DetectorDiscovery d = DetectorDiscovery.of(List.of(new First(), new Second(), new Typed("stripe")));
    assertThat(d.types()).containsExactly("openai", "stripe");
    assertThat(d.providerFor(ServiceSettings.of("openai", "openai", java.util.Map.of()))).isInstanceOf(First.class);
    assertThat(LogCapture.since(mark)).anySatisfy(e -> {
      assertThat(e.level()).isEqualTo(Level.WARN);
      assertThat(e.message()).contains("'openai'").contains(First.class.getName()).contains(Second.class.getName());
    });
  }

  @Test
  void of_providerWithoutATypeIsSkipped() {
    DetectorDiscovery d = DetectorDiscovery.of(List.of(new Typed(" "), new Typed("rest")));
    assertThat(d.types()).containsExactly("rest");
  }
}
