package dev.runaway.spring.boot;

import dev.runaway.config.internal.DidYouMean;
import java.beans.PropertyDescriptor;
import java.lang.reflect.Method;
import java.lang.reflect.ParameterizedType;
import java.lang.reflect.Type;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.springframework.beans.BeanUtils;
import org.springframework.boot.context.properties.bind.DataObjectPropertyName;
import org.springframework.boot.context.properties.bind.UnboundConfigurationPropertiesException;
import org.springframework.boot.context.properties.source.ConfigurationProperty;
import org.springframework.boot.diagnostics.AbstractFailureAnalyzer;
import org.springframework.boot.diagnostics.FailureAnalysis;
import org.springframework.core.Ordered;

/**
 * Explains a startup failed by an unknown {@code runaway.*} property: names each one with where it
 * was set and, when one is near, the property that was probably meant
 * ({@code runaway.services.openai.spike-multiplyer}: did you mean
 * {@code runaway.services.openai.spike-multiplier}?). Spring Boot's own analysis only says the
 * property was "left unbound". Failures about other prefixes are left to Spring Boot.
 *
 * <p>Registered in {@code META-INF/spring.factories}; ordered first so that it is asked before
 * Spring Boot's generic analyzer of the same exception.
 */
final class RunawayPropertiesFailureAnalyzer extends AbstractFailureAnalyzer<UnboundConfigurationPropertiesException>
    implements Ordered {

  private static final String PREFIX = "runaway.";

  /** Creates the analyzer (instantiated by Spring Boot). */
  RunawayPropertiesFailureAnalyzer() {}

  @Override
  public int getOrder() {
    return Ordered.HIGHEST_PRECEDENCE;
  }

  @Override
  protected FailureAnalysis analyze(Throwable root, UnboundConfigurationPropertiesException cause) {
    List<String> lines = new ArrayList<>();
    List<String> fixes = new ArrayList<>();
    for (ConfigurationProperty p : cause.getUnboundProperties()) {
      String name = p.getName().toString();
      if (!name.startsWith(PREFIX)) {
        return null;
      }
      StringBuilder line = new StringBuilder("    ").append(name);
      if (p.getOrigin() != null) {
        line.append(" (").append(p.getOrigin()).append(')');
      }
      Optional<String> meant = suggest(name);
      meant.ifPresent(m -> {
        line.append(": did you mean ").append(m).append('?');
        fixes.add("rename " + name + " to " + m);
      });
      lines.add(line.toString());
    }
    if (lines.isEmpty()) {
      return null;
    }
    String description = "Unknown Runaway Guard propert" + (lines.size() == 1 ? "y" : "ies") + ":\n\n"
        + String.join("\n", lines) + "\n\nEvery runaway.* property is listed in the README's Spring Boot section and on "
        + "RunawayProperties; an unknown one fails startup so that a misspelt budget or multiplier is never silently "
        + "ignored.";
    String action = fixes.isEmpty() ? "Remove the properties above or correct their names."
        : "Correct the names: " + String.join("; ", fixes) + ".";
    return new FailureAnalysis(description, action, cause);
  }

  /** The known property nearest to an unknown one, walking {@link RunawayProperties} segment by segment. */
  static Optional<String> suggest(String name) {
    String[] segs = name.substring(PREFIX.length()).split("\\.");
    StringBuilder path = new StringBuilder("runaway");
    Class<?> type = RunawayProperties.class;
    for (int i = 0; i < segs.length; i++) {
      List<String> known = new ArrayList<>();
      Method match = null;
      for (PropertyDescriptor pd : BeanUtils.getPropertyDescriptors(type)) {
        Method read = pd.getReadMethod();
        if (read == null || read.getDeclaringClass() == Object.class) {
          continue;
        }
        String prop = DataObjectPropertyName.toDashedForm(pd.getName());
        known.add(prop);
        if (prop.equals(segs[i])) {
          match = read;
        }
      }
      if (match == null) {
        Optional<String> near = DidYouMean.suggest(segs[i], known);
        if (near.isEmpty()) {
          return Optional.empty();
        }
        StringBuilder out = new StringBuilder(path).append('.').append(near.get());
        for (int j = i + 1; j < segs.length; j++) {
          out.append('.').append(segs[j]);
        }
        return Optional.of(out.toString());
      }
      path.append('.').append(segs[i]);
      Type t = match.getGenericReturnType();
      if (t instanceof ParameterizedType pt && pt.getRawType() == java.util.Map.class) {
        Type value = pt.getActualTypeArguments()[1];
        if (!(value instanceof Class<?> c) || !nested(c) || i + 1 >= segs.length) {
          return Optional.empty(); // a map of values: any key is allowed
        }
        i++;
        path.append('.').append(segs[i]);
        type = c;
      } else if (t instanceof Class<?> c && nested(c)) {
        type = c;
      } else {
        return Optional.empty(); // a leaf with more segments after it: no suggestion
      }
    }
    return Optional.empty();
  }

  private static boolean nested(Class<?> c) {
    return c.getEnclosingClass() == RunawayProperties.class;
  }
}
