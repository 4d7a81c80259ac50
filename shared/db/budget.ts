/**
 * A DynamoDB request budget: the most requests of each kind one call of an operation may make.
 * Declared beside each operation; `npm test` enforces it for every route × caller and `npm run bench`
 * prints it next to what was measured.
 */
export type DynamoCommand =
  | 'GetItem'
  | 'PutItem'
  | 'UpdateItem'
  | 'DeleteItem'
  | 'Query'
  | 'BatchGetItem'
  | 'BatchWriteItem'
  | 'TransactWriteItems'
  | 'TransactGetItems';

export type Budget = Partial<Record<DynamoCommand, number>>;

export const budgetTotal = (budget: Budget) => Object.values(budget).reduce((sum, n) => sum + (n ?? 0), 0);

/** The commands of `measured` over `budget`, as `Query 2>1`. */
export function overBudget(measured: Record<string, number>, budget: Budget): string[] {
  return Object.entries(measured)
    .filter(([command, n]) => n > (budget[command as DynamoCommand] ?? 0))
    .map(([command, n]) => `${command} ${n}>${budget[command as DynamoCommand] ?? 0}`);
}
