/*
 * Produce latency at a fixed rate, measured by librdkafka itself (rd_kafka_message_latency:
 * from rd_kafka_produce to the broker's acknowledgement, in microseconds), so the figure is not
 * bent by a scripting language's scheduling. A benchmark, never a test.
 *
 * Build: cc -O2 -o rdkafka_latency bench/broker/rdkafka_latency.c -lrdkafka   (apt: librdkafka-dev)
 * Run:   rdkafka_latency BOOTSTRAP TOPIC RATE SECONDS SIZE [WARMUP_SECONDS]
 * Prints one line: count, p50/p99/p99.9/max in ms, errors. acks=all, lz4, linger.ms=0, null keys
 * (librdkafka spreads them over the partitions),
 * idempotence off; the topic must exist.
 */
#include <librdkafka/rdkafka.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static int64_t *samples;
static size_t sample_count, sample_capacity;
static long errors;
static int measuring;

static int64_t now_us(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

static void on_delivery(rd_kafka_t *rk, const rd_kafka_message_t *message, void *opaque) {
    (void)rk;
    (void)opaque;
    if (message->err) {
        errors++;
        return;
    }
    if (!measuring || sample_count == sample_capacity) return;
    samples[sample_count++] = rd_kafka_message_latency(message);
}

static int compare(const void *a, const void *b) {
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return (x > y) - (x < y);
}

static double quantile_ms(double q) {
    if (sample_count == 0) return 0;
    size_t index = (size_t)(q * (double)sample_count);
    if (index >= sample_count) index = sample_count - 1;
    return (double)samples[index] / 1000.0;
}

int main(int argc, char **argv) {
    if (argc < 6) {
        fprintf(stderr, "usage: %s BOOTSTRAP TOPIC RATE SECONDS SIZE [WARMUP_SECONDS]\n", argv[0]);
        return 2;
    }
    const char *bootstrap = argv[1], *topic = argv[2];
    double rate = atof(argv[3]), seconds = atof(argv[4]), warmup = argc > 6 ? atof(argv[6]) : 3.0;
    size_t size = (size_t)atol(argv[5]);
    if (rate <= 0 || seconds <= 0 || size == 0 || size > 1000000) {
        fprintf(stderr, "rdkafka_latency: rate, seconds and size must be positive (size <= 1000000)\n");
        return 2;
    }
    sample_capacity = (size_t)(rate * seconds * 1.1) + 16;
    samples = malloc(sample_capacity * sizeof *samples);
    char *payload = malloc(size);
    if (!samples || !payload) return 1;
    for (size_t i = 0; i < size; i++) payload[i] = (char)('a' + (i * 7 + i / 13) % 26);

    char error[512];
    rd_kafka_conf_t *conf = rd_kafka_conf_new();
    const char *settings[][2] = {
        {"bootstrap.servers", bootstrap}, {"acks", "all"},         {"compression.type", "lz4"},
        {"linger.ms", "0"},              {"enable.idempotence", "false"},
    };
    for (size_t i = 0; i < sizeof settings / sizeof settings[0]; i++) {
        if (rd_kafka_conf_set(conf, settings[i][0], settings[i][1], error, sizeof error) != RD_KAFKA_CONF_OK) {
            fprintf(stderr, "rdkafka_latency: %s\n", error);
            return 2;
        }
    }
    rd_kafka_conf_set_dr_msg_cb(conf, on_delivery);
    rd_kafka_t *rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, error, sizeof error);
    if (!rk) {
        fprintf(stderr, "rdkafka_latency: %s\n", error);
        return 1;
    }
    rd_kafka_topic_t *rkt = rd_kafka_topic_new(rk, topic, NULL);

    int64_t start = now_us(), interval = (int64_t)(1e6 / rate);
    int64_t measure_from = start + (int64_t)(warmup * 1e6), end = measure_from + (int64_t)(seconds * 1e6);
    int64_t next = start;
    long sent = 0;
    /* Bounded by the end time: one send per interval, polling for acknowledgements between. */
    while (now_us() < end) {
        int64_t now = now_us();
        measuring = now >= measure_from;
        while (next <= now) {
            if (rd_kafka_produce(rkt, RD_KAFKA_PARTITION_UA, RD_KAFKA_MSG_F_COPY, payload, size, NULL, 0, NULL) == -1) {
                errors++;
            } else {
                sent++;
            }
            next += interval;
        }
        rd_kafka_poll(rk, 0);
        struct timespec pause = {0, 50000};
        nanosleep(&pause, NULL);
    }
    rd_kafka_flush(rk, 30000);
    qsort(samples, sample_count, sizeof *samples, compare);
    printf("sent %ld measured %zu p50 %.2f ms p99 %.2f ms p99.9 %.2f ms max %.2f ms errors %ld\n", sent,
           sample_count, quantile_ms(0.5), quantile_ms(0.99), quantile_ms(0.999),
           sample_count ? (double)samples[sample_count - 1] / 1000.0 : 0.0, errors);
    rd_kafka_topic_destroy(rkt);
    rd_kafka_destroy(rk);
    free(samples);
    free(payload);
    return errors ? 1 : 0;
}
