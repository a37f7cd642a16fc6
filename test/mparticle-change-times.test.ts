import t from 'tap';
import { ChangeTimes } from '../src/mparticle/change-times.js';

t.test('a person’s changes within one millisecond get increasing times; others keep the clock', async (t) => {
  const times = new ChangeTimes();
  const give = (person: string, nowMs: number, list = 'VIP') => {
    const timeMs = times.next({ list, person }, nowMs);
    times.used({ list, person }, timeMs);
    return timeMs;
  };
  t.equal(give('ann', 100), 100);
  t.equal(give('bob', 100), 100);
  t.equal(give('ann', 100), 101, 'ann again in the same millisecond');
  t.equal(give('bob', 100), 101, 'bob too, though ann moved the latest time on');
  t.equal(give('ann', 100), 102);
  t.equal(give('cid', 100), 100, 'someone new keeps the clock');
  t.equal(give('ann', 100, 'Other'), 100, 'another audience is another (audience, person)');
  t.equal(give('ann', 101), 103, 'the clock caught up with ann’s times, not past them');
  t.equal(give('ann', 200), 200, 'later, the clock again');
  t.equal(give('bob', 200), 200);
  t.equal(times.next({ list: 'VIP', person: 'ann' }, 200), 201, 'asking does not remember');
  t.equal(times.next({ list: 'VIP', person: 'ann' }, 200), 201);
});
