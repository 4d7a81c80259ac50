/**
 * The reminders context's public entry: what other contexts and function entries may use. The
 * agenda's ReminderPlanner port, implemented here (wired in functions/agenda/handler.ts).
 */
export { reminderPlanner } from './planner';
