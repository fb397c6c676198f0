/**
 * Names of a consumer group's retry and dead-letter topics. RocketMQ calls them `%RETRY%group`
 * and `%DLQ%group`; Kafka topic names allow only `[a-zA-Z0-9._-]` (at most 249 characters), so
 * outboxkit uses `<group>.retry` and `<group>.DLQ`, with any other character of the group id
 * replaced by `_`.
 */
export function retryTopicFor(consumerGroup: string): string {
  return `${topicSafe(consumerGroup, 249 - '.retry'.length)}.retry`;
}

export function deadLetterTopicFor(consumerGroup: string): string {
  return `${topicSafe(consumerGroup, 249 - '.DLQ'.length)}.DLQ`;
}

function topicSafe(name: string, maxLength: number): string {
  return name.replace(/[^a-zA-Z0-9._-]/g, '_').slice(0, maxLength);
}
