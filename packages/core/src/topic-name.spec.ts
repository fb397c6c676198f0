import { describe, expect, it } from 'vitest';
import { MAX_TOPIC_LENGTH, topicNameProblem } from './topic-name.js';

describe('topicNameProblem', () => {
  it('accepts what Kafka accepts', () => {
    for (const topic of ['orders', 'orders.created', 'a_b-C.9', '.hidden', '..x', '_single', 't'.repeat(MAX_TOPIC_LENGTH)]) {
      expect(topicNameProblem(topic), topic).toBeUndefined();
    }
  });

  it('refuses ".", "..", the internal prefix, illegal characters and long names, saying what to do', () => {
    expect(topicNameProblem('.')).toMatch(/"\." and "\.\." are refused/);
    expect(topicNameProblem('..')).toMatch(/name the topic/);
    expect(topicNameProblem('__consumer_offsets')).toMatch(/reserved for Kafka's internal topics.*topic of your own/);
    expect(topicNameProblem('__transaction_state')).toMatch(/starts with "__"/);
    expect(topicNameProblem('a/b')).toMatch(/use only a-z, A-Z, 0-9/);
    expect(topicNameProblem('ordérs')).toMatch(/characters Kafka does not allow/);
    expect(topicNameProblem('t'.repeat(250))).toMatch(/250 characters long; Kafka accepts at most 249/);
    expect(topicNameProblem('')).toMatch(/empty/);
  });
});
