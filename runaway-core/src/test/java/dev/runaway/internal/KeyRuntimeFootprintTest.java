package dev.runaway.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * A key's state object stays within 64 bytes on a 64-bit JVM with compressed oops and class
 * pointers (the default below a 32 GB heap): a guard keeps one per key, up to {@code maxKeys}
 * (100,000 keys: 800 KB more for every 8 bytes), and the call path reads most of its fields. The
 * state file's bookkeeping of a key's breaker, three fields added to every key (72 bytes, and the
 * call path's {@code recent} moved past the first 64), lives in one object made with the key's
 * breaker ({@code KeyRuntime.memo}).
 */
final class KeyRuntimeFootprintTest {

  /** The HotSpot header with a compressed class pointer. */
  private static final int HEADER = 12;

  private static int size(Class<?> type) {
    if (!type.isPrimitive()) {
      return 4; // a compressed reference
    }
    if (type == long.class || type == double.class) {
      return 8;
    }
    if (type == int.class || type == float.class) {
      return 4;
    }
    return type == short.class || type == char.class ? 2 : 1;
  }

  @Test
  void keyRuntime_fitsIn64Bytes() {
    int bytes = HEADER;
    List<String> fields = new ArrayList<>();
    for (Field f : ServiceRuntime.KeyRuntime.class.getDeclaredFields()) {
      if (!Modifier.isStatic(f.getModifiers())) {
        bytes += size(f.getType());
        fields.add(f.getName());
      }
    }
    int instance = (bytes + 7) & ~7;
    assertThat(instance).as("bytes of a KeyRuntime (fields %s)", fields).isLessThanOrEqualTo(64);
  }
}
