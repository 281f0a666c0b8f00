package dev.runaway.providers.cloudflare.internal;

import dev.runaway.providers.internal.ConfigReader;
import java.math.BigDecimal;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * R2's prices, free tier and operation classes, from {@code r2/pricing.mdx} with the config's
 * overrides (cloudflare-r2.md §2.6).
 *
 * @param classAPerMillion USD per million Class A operations
 * @param classBPerMillion USD per million Class B operations
 * @param storageGbMonth USD per GB-month
 * @param freeClassA Class A operations free each month
 * @param freeClassB Class B operations free each month
 * @param freeGbMonths GB-months free each month
 * @param classes operation class by action type: {@code A}, {@code B} or {@code free}
 */
record R2Pricing(BigDecimal classAPerMillion, BigDecimal classBPerMillion, BigDecimal storageGbMonth,
    long freeClassA, long freeClassB, BigDecimal freeGbMonths, Map<String, String> classes) {

  /** The classes of r2/pricing.mdx, plus the spellings the analytics datasets use for some. */
  static final Map<String, String> PUBLISHED_CLASSES;

  static {
    Map<String, String> m = new HashMap<>();
    for (String a : List.of("ListBuckets", "PutBucket", "ListObjects", "PutObject", "CopyObject",
        "CompleteMultipartUpload", "CreateMultipartUpload", "LifecycleStorageTierTransition", "ListMultipartUploads",
        "UploadPart", "UploadPartCopy", "ListParts", "PutBucketEncryption", "PutBucketCors",
        "PutBucketLifecycleConfiguration",
        // analytics spellings (community-reported, cloudflare-r2.md §2.6)
        "ListObjectsV1", "ListObjectsV2", "CreateBucket")) {
      m.put(a, "A");
    }
    for (String b : List.of("HeadBucket", "HeadObject", "GetObject", "UsageSummary", "GetBucketEncryption",
        "GetBucketLocation", "GetBucketCors", "GetBucketLifecycleConfiguration")) {
      m.put(b, "B");
    }
    for (String f : List.of("DeleteObject", "DeleteBucket", "AbortMultipartUpload")) {
      m.put(f, "free");
    }
    PUBLISHED_CLASSES = Map.copyOf(m);
  }

  /**
   * Reads {@code storage_class}, {@code prices}, {@code free_tier} and {@code action_classes}.
   *
   * @param top the service's settings
   * @param bucketScoped whether a single bucket is watched (then the free tier is off by default)
   * @return the pricing
   */
  static R2Pricing parse(ConfigReader top, boolean bucketScoped) {
    String storageClass = top.choice("storage_class", "standard", List.of("standard", "infrequent_access"));
    boolean standard = storageClass.equals("standard");
    ConfigReader p = top.object("prices").allowOnly(Set.of("class_a_per_million", "class_b_per_million",
        "storage_gb_month"));
    BigDecimal a = p.nonNegativeDecimal("class_a_per_million").orElse(new BigDecimal(standard ? "4.50" : "9.00"));
    BigDecimal b = p.nonNegativeDecimal("class_b_per_million").orElse(new BigDecimal(standard ? "0.36" : "0.90"));
    BigDecimal s = p.nonNegativeDecimal("storage_gb_month").orElse(new BigDecimal(standard ? "0.015" : "0.01"));
    boolean freeTier = top.bool("free_tier", standard && !bucketScoped);
    if (freeTier && !standard) {
      throw top.error("free_tier", "must be false with storage_class infrequent_access: R2's free tier covers "
          + "Standard storage only");
    }
    Map<String, String> classes = new HashMap<>(PUBLISHED_CLASSES);
    ConfigReader overrides = top.object("action_classes");
    for (String action : overrides.keys()) {
      String c = overrides.string(action).orElseThrow(() -> overrides.error(action, "must be \"A\", \"B\" or "
          + "\"free\""));
      String norm = c.equalsIgnoreCase("free") ? "free" : c.toUpperCase(Locale.ROOT);
      if (!List.of("A", "B", "free").contains(norm)) {
        throw overrides.error(action, "must be \"A\", \"B\" or \"free\"");
      }
      classes.put(action, norm);
    }
    return new R2Pricing(a, b, s, freeTier ? 1_000_000L : 0L, freeTier ? 10_000_000L : 0L,
        freeTier ? BigDecimal.TEN : BigDecimal.ZERO, Map.copyOf(classes));
  }

  /**
   * Returns an action's class.
   *
   * @param action the analytics {@code actionType}
   * @return {@code A}, {@code B}, {@code free}, or {@code null} if unknown
   */
  String classOf(String action) {
    return classes.get(action);
  }
}
