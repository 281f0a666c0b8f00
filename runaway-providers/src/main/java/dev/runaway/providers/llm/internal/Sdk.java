package dev.runaway.providers.llm.internal;

import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Reads SDK response objects through their public no-argument accessors, so that the extractors
 * need no SDK on the class path and work across SDK versions that keep the accessor names.
 */
public final class Sdk {

  /** Marks an absent accessor, as opposed to one that returned null. */
  public static final Object NONE = new Object();

  private static final ClassValue<Map<String, Optional<Method>>> METHODS = new ClassValue<>() {
    @Override
    protected Map<String, Optional<Method>> computeValue(Class<?> type) {
      return new ConcurrentHashMap<>();
    }
  };

  private Sdk() {}

  /**
   * Calls an accessor and unwraps an {@code Optional}.
   *
   * @param target the object
   * @param name the accessor
   * @return its value, {@code null} if empty or failing, {@link #NONE} if there is no such accessor
   */
  public static Object get(Object target, String name) {
    if (target == null || target == NONE) {
      return NONE;
    }
    Optional<Method> m = METHODS.get(target.getClass()).computeIfAbsent(name, n -> find(target.getClass(), n));
    if (m.isEmpty()) {
      return NONE;
    }
    try {
      Object v = m.get().invoke(target);
      return v instanceof Optional<?> o ? o.orElse(null) : v;
    } catch (IllegalAccessException e) {
      return NONE;
    } catch (InvocationTargetException e) {
      // SDK accessors throw when a required field is absent from the wire.
      return null;
    }
  }

  /**
   * Whether an accessor value is present.
   *
   * @param v a value from {@link #get}
   * @return true when it is neither absent nor null
   */
  public static boolean present(Object v) {
    return v != null && v != NONE;
  }

  /**
   * Reads a count.
   *
   * @param target the object
   * @param name the accessor
   * @return the count, 0 when absent
   */
  public static long count(Object target, String name) {
    Object v = get(target, name);
    return v instanceof Number n ? Math.max(0, n.longValue()) : 0;
  }

  /**
   * Reads a string or an SDK enum-like value as text.
   *
   * @param target the object
   * @param name the accessor
   * @return the text, or {@code null}
   */
  public static String text(Object target, String name) {
    Object v = get(target, name);
    if (!present(v)) {
      return null;
    }
    if (v instanceof CharSequence) {
      return v.toString();
    }
    Object s = get(v, "asString");
    if (s instanceof CharSequence) {
      return s.toString();
    }
    String t = v.toString();
    return t.matches("[A-Za-z0-9._:/@-]+") ? t : null;
  }

  /**
   * Returns a result given as JSON (a Jackson {@code JsonNode}, JSON text, or a {@code Map}) as a
   * tree, or {@code null} when the result is some other object (such as an SDK response).
   *
   * @param result the result
   * @param what what the JSON should be, for the error message
   * @return the tree, or {@code null}
   * @throws IllegalArgumentException if the result is text that is not JSON
   */
  public static com.fasterxml.jackson.databind.JsonNode json(Object result, String what) {
    if (result instanceof com.fasterxml.jackson.databind.JsonNode n) {
      return n;
    }
    if (result instanceof CharSequence s) {
      try {
        return dev.runaway.providers.http.internal.Json.MAPPER.readTree(s.toString());
      } catch (java.io.IOException e) {
        throw new IllegalArgumentException("the text is not JSON of " + what);
      }
    }
    if (result instanceof Map<?, ?> m) {
      return dev.runaway.providers.http.internal.Json.MAPPER.valueToTree(m);
    }
    return null;
  }

  private static Optional<Method> find(Class<?> type, String name) {
    try {
      Method m = type.getMethod(name);
      if (m.getParameterCount() == 0 && Modifier.isPublic(m.getDeclaringClass().getModifiers())) {
        return Optional.of(m);
      }
      // A public method declared by a non-public class: look for it on a public supertype.
      for (Class<?> c = type.getSuperclass(); c != null; c = c.getSuperclass()) {
        if (Modifier.isPublic(c.getModifiers())) {
          try {
            return Optional.of(c.getMethod(name));
          } catch (NoSuchMethodException ignored) {
            // keep looking
          }
        }
      }
      for (Class<?> i : type.getInterfaces()) {
        try {
          return Optional.of(i.getMethod(name));
        } catch (NoSuchMethodException ignored) {
          // keep looking
        }
      }
      return Optional.empty();
    } catch (NoSuchMethodException e) {
      return Optional.empty();
    }
  }
}
