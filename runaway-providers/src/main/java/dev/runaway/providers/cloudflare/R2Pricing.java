package dev.runaway.providers.cloudflare;

import dev.runaway.config.SettingsReader;
import java.math.BigDecimal;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * R2's prices, free tier, operation classes and storage class per bucket, from
 * {@code r2/pricing.mdx} with the config's overrides (cloudflare-r2.md §2.6).
 *
 * @param standard the Standard storage class's prices
 * @param infrequent the Infrequent Access storage class's prices
 * @param defaultClass the storage class of a bucket not named in {@code bucketClasses}:
 *     {@code standard} or {@code infrequent_access}
 * @param bucketClasses storage class by bucket name
 * @param freeClassA Class A operations free each month (Standard only)
 * @param freeClassB Class B operations free each month (Standard only)
 * @param freeGbMonths GB-months free each month (Standard only)
 * @param classes operation class by action type: {@code A}, {@code B} or {@code free}
 */
record R2Pricing(Rates standard, Rates infrequent, String defaultClass, Map<String, String> bucketClasses,
    long freeClassA, long freeClassB, BigDecimal freeGbMonths, Map<String, String> classes) {

  /** The storage class names of the settings. */
  static final String STANDARD = "standard";
  static final String INFREQUENT = "infrequent_access";

  /**
   * One storage class's prices.
   *
   * @param classAPerMillion USD per million Class A operations
   * @param classBPerMillion USD per million Class B operations
   * @param storageGbMonth USD per GB-month
   */
  record Rates(BigDecimal classAPerMillion, BigDecimal classBPerMillion, BigDecimal storageGbMonth) {}

  /** Published Standard prices. */
  static final Rates STANDARD_RATES = new Rates(new BigDecimal("4.50"), new BigDecimal("0.36"), new BigDecimal("0.015"));
  /** Published Infrequent Access prices (its retrieval fee per GB is not counted). */
  static final Rates INFREQUENT_RATES = new Rates(new BigDecimal("9.00"), new BigDecimal("0.90"), new BigDecimal("0.01"));

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
  static R2Pricing parse(SettingsReader top, boolean bucketScoped) {
    String storageClass = top.choice("storage_class", STANDARD, List.of(STANDARD, INFREQUENT));
    boolean standard = storageClass.equals(STANDARD);
    SettingsReader p = top.object("prices").allowOnly(Set.of("class_a_per_million", "class_b_per_million",
        "storage_gb_month"));
    // prices override the rates of storage_class, the class of every bucket not listed apart.
    Rates base = standard ? STANDARD_RATES : INFREQUENT_RATES;
    Rates overridden = new Rates(p.nonNegativeDecimal("class_a_per_million").orElse(base.classAPerMillion()),
        p.nonNegativeDecimal("class_b_per_million").orElse(base.classBPerMillion()),
        p.nonNegativeDecimal("storage_gb_month").orElse(base.storageGbMonth()));
    Map<String, String> perBucket = new HashMap<>();
    SettingsReader bc = top.object("bucket_storage_classes");
    for (String b : bc.keys()) {
      perBucket.put(b, bc.choice(b, STANDARD, List.of(STANDARD, INFREQUENT)));
    }
    boolean freeTier = top.bool("free_tier", standard && !bucketScoped);
    if (freeTier && !standard && !perBucket.containsValue(STANDARD)) {
      throw top.error("free_tier", "must be false with storage_class infrequent_access: R2's free tier covers "
          + "Standard storage only");
    }
    Map<String, String> classes = new HashMap<>(PUBLISHED_CLASSES);
    SettingsReader overrides = top.object("action_classes");
    for (String action : overrides.keys()) {
      String c = overrides.string(action).orElseThrow(() -> overrides.error(action, "must be \"A\", \"B\" or "
          + "\"free\""));
      String norm = c.equalsIgnoreCase("free") ? "free" : c.toUpperCase(Locale.ROOT);
      if (!List.of("A", "B", "free").contains(norm)) {
        throw overrides.error(action, "must be \"A\", \"B\" or \"free\"");
      }
      classes.put(action, norm);
    }
    return new R2Pricing(standard ? overridden : STANDARD_RATES, standard ? INFREQUENT_RATES : overridden,
        storageClass, Map.copyOf(perBucket), freeTier ? 1_000_000L : 0L, freeTier ? 10_000_000L : 0L,
        freeTier ? BigDecimal.TEN : BigDecimal.ZERO, Map.copyOf(classes));
  }

  /**
   * Returns a bucket's storage class.
   *
   * @param bucket the bucket name
   * @return {@link #STANDARD} or {@link #INFREQUENT}
   */
  String storageClassOf(String bucket) {
    return bucketClasses.getOrDefault(bucket, defaultClass);
  }

  /**
   * Returns a storage class's prices.
   *
   * @param storageClass {@link #STANDARD} or {@link #INFREQUENT}
   * @return the prices
   */
  Rates rates(String storageClass) {
    return storageClass.equals(STANDARD) ? standard : infrequent;
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
