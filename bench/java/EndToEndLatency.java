// End-to-end latency in the manner of Kafka's own EndToEndLatency tool (one record at a time: send,
// then poll until the same record comes back), with two differences the benchmark needs: the
// warm-up records are dropped from the statistics, and percentiles keep microseconds (Kafka's tool
// reports whole milliseconds, too coarse for the few hundred microseconds a proxy adds on loopback).
// Usage: EndToEndLatency <bootstrap> <topic> <acks> <warmup records> <records> <record size>
// Prints one JSON line: {"records":n,"p50Ms":..,"p99Ms":..,"p999Ms":..,"avgMs":..}

import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Properties;
import java.util.Random;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;

public final class EndToEndLatency {
    public static void main(String[] args) throws Exception {
        String bootstrap = args[0];
        String topic = args[1];
        String acks = args[2];
        int warmup = Integer.parseInt(args[3]);
        int records = Integer.parseInt(args[4]);
        int size = Integer.parseInt(args[5]);

        Properties producerProps = new Properties();
        producerProps.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        producerProps.put(ProducerConfig.ACKS_CONFIG, acks);
        producerProps.put(ProducerConfig.LINGER_MS_CONFIG, "0");
        producerProps.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
        producerProps.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
        Properties consumerProps = new Properties();
        consumerProps.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        consumerProps.put(ConsumerConfig.FETCH_MAX_WAIT_MS_CONFIG, "0");
        consumerProps.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        consumerProps.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
        consumerProps.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());

        byte[] value = new byte[size];
        new Random(42).nextBytes(value);
        TopicPartition partition = new TopicPartition(topic, 0);
        long[] latencies = new long[records];
        try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(producerProps);
             KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(consumerProps)) {
            // The first send creates the topic; the consumer starts at the end of the partition.
            producer.send(new ProducerRecord<>(topic, 0, null, value)).get();
            consumer.assign(List.of(partition));
            consumer.seekToEnd(List.of(partition));
            consumer.position(partition);
            for (int i = -warmup; i < records; i++) {
                long start = System.nanoTime();
                producer.send(new ProducerRecord<>(topic, 0, null, value)).get();
                int received = 0;
                long deadline = start + Duration.ofSeconds(30).toNanos();
                while (received == 0) {
                    ConsumerRecords<byte[], byte[]> polled = consumer.poll(Duration.ofMillis(100));
                    received = polled.count();
                    if (received == 0 && System.nanoTime() > deadline) {
                        throw new IllegalStateException("record " + i + " not consumed within 30 s");
                    }
                }
                if (received != 1) throw new IllegalStateException("expected 1 record, polled " + received);
                if (i >= 0) latencies[i] = System.nanoTime() - start;
            }
        }
        Arrays.sort(latencies);
        double sum = 0;
        for (long latency : latencies) sum += latency;
        System.out.printf(
                "{\"records\":%d,\"p50Ms\":%.4f,\"p99Ms\":%.4f,\"p999Ms\":%.4f,\"avgMs\":%.4f}%n",
                records,
                percentile(latencies, 0.50),
                percentile(latencies, 0.99),
                percentile(latencies, 0.999),
                sum / records / 1e6);
    }

    private static double percentile(long[] sorted, double quantile) {
        int index = Math.min(sorted.length - 1, (int) Math.ceil(quantile * sorted.length) - 1);
        return sorted[Math.max(0, index)] / 1e6;
    }
}
