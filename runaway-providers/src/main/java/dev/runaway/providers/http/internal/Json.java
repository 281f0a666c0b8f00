package dev.runaway.providers.http.internal;

import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;

/** The shared Jackson mapper: lenient about unknown fields, never quotes the source in errors. */
public final class Json {

  /** The mapper; thread-safe once configured. */
  public static final ObjectMapper MAPPER = JsonMapper.builder()
      .disable(StreamReadFeature.INCLUDE_SOURCE_IN_LOCATION)
      .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
      .enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS)
      .build();

  private Json() {}
}
