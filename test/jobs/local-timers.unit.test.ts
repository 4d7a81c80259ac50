import { Cron } from 'croner';
import { describe, expect, it } from 'vitest';
import { cronPattern, scheduledEvent, schedules } from '../../scripts/local/jobs';

/** The local timer reads a schedule as EventBridge Scheduler does: same fields, same time zone, DST included. */
describe('local timers of the declared schedules', () => {
  it('turn an EventBridge cron expression into the same five fields', () => {
    expect(cronPattern('cron(0 8 * * ? *)')).toBe('0 8 * * *');
    expect(cronPattern('cron(30 6 ? * MON-FRI *)')).toBe('30 6 * * MON-FRI');
    expect(cronPattern('rate(5 minutes)')).toBeUndefined();
  });

  it('fire at the same local hour on both sides of a DST change', () => {
    const daily = new Cron(cronPattern('cron(0 8 * * ? *)')!, { timezone: 'Europe/Brussels', paused: true });

    const winter = daily.nextRun(new Date('2026-12-02T09:00:00Z'));
    const summer = daily.nextRun(new Date('2027-03-28T09:00:00Z'));

    expect(winter?.toISOString()).toBe('2026-12-03T07:00:00.000Z');
    expect(summer?.toISOString()).toBe('2027-03-29T06:00:00.000Z');
  });

  it("send each declared schedule's event with its input and the intended time", () => {
    expect(schedules.length).toBeGreaterThan(0);
    for (const { schedule } of schedules) {
      expect(scheduledEvent(schedule, new Date('2026-12-02T07:00:00Z'), 'exec')).toEqual({
        source: 'centrum.schedule',
        schedule: schedule.name,
        scheduledTime: '2026-12-02T07:00:00.000Z',
        executionId: 'exec',
        payload: schedule.input,
      });
    }
  });
});
