/**
 * The slice of a Prisma Client the adapter uses. Declared structurally so the adapter never
 * imports the `@prisma/client` root (Prisma 7's generator does not create it): the application
 * passes its own generated client instance.
 */
export interface PrismaClientLike {
  $transaction(work: (tx: any) => Promise<any>, options?: {
    maxWait?: number;
    timeout?: number;
    isolationLevel?: any;
  }): Promise<any>;
  $extends(extension: any): any;
  $executeRawUnsafe(query: string, ...values: any[]): any;
  $queryRawUnsafe(query: string, ...values: any[]): any;
}

/** What Prisma hands to an interactive transaction's callback: the client minus client-level methods. */
export type PrismaTransactionClient<C> = Omit<C, '$connect' | '$disconnect' | '$on' | '$transaction' | '$extends' | '$use'>;
