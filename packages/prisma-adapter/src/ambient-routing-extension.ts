import { currentScope } from '@outboxkit/core/internal';

/**
 * Why a client extension, and not only an accessor: business code keeps calling
 * `db.order.create(...)` exactly as before, and inside a @Transactional method those calls run on
 * the method's transaction. Outside one they run as usual. The accessor
 * (`outbox.transactionClient()`) stays available for raw queries, which the extension does not
 * reroute, and for code that prefers to be explicit.
 *
 * Only transactions opened by `owner` are joined, so two outboxes on two databases never cross.
 *
 * `outbox.client` puts ambient-routing-client.ts in front of this extension, which routes the
 * calls made inside a transaction without Prisma's second request; this extension still serves
 * the rest (calls left over after a transaction ended, clients derived with `$extends`).
 */
export function ambientRoutingExtension(owner: object) {
  return {
    name: 'outboxkit-ambient-transaction',
    query: {
      $allModels: {
        $allOperations({ model, operation, args, query }: {
          model: string;
          operation: string;
          args: unknown;
          query: (args: unknown) => Promise<unknown>;
        }): Promise<unknown> {
          const scope = currentScope(owner);
          if (!scope || scope.owner !== owner) return query(args);
          // Committing (TransactionClosingError) or ended (TransactionClosedError): never run it outside.
          if (!scope.isOpen) scope.assertOpen(`run ${model}.${operation}`);
          const client = scope.handle.client as Record<string, Record<string, (args: unknown) => Promise<unknown>>>;
          const delegate = client[delegateName(model)];
          const method = delegate?.[operation];
          if (!method) return query(args);
          return method.call(delegate, args);
        },
      },
    },
  };
}

/** Prisma model name → transaction-client property (`OrderItem` → `orderItem`), computed once per model. */
const delegateNames = new Map<string, string>();
function delegateName(model: string): string {
  let name = delegateNames.get(model);
  if (name === undefined) {
    name = model.charAt(0).toLowerCase() + model.slice(1);
    delegateNames.set(model, name);
  }
  return name;
}
