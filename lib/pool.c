/* pool.c - the threads of libnn's parallel work: a pool of workers that
 * run the chunks of one job at a time beside the calling thread.  The
 * caller sets how many threads there are (nn_set_threads; 1 until then);
 * the library never decides it from the environment.
 *
 * A job is n chunks; the calling thread and the workers take chunks from a
 * shared counter until none is left, so a worker that the system does not
 * schedule (a busy machine) delays the job by at most one chunk.  The
 * kernels split their work so that each result is computed by the same
 * code in the same order whoever computes it: results do not depend on
 * the number of threads. */
#include <pthread.h>
#include <unistd.h>

#include "nn_internal.h"

struct job {
    nn_job_fn *fn;
    void *arg;
    int nchunks;
    int threads;                /* workers 1 .. threads-1 take part */
};

static struct {
    pthread_mutex_t lock;       /* held by the thread running a job */
    pthread_mutex_t mu;         /* guards the fields below */
    pthread_cond_t work, done;
    int nthreads;               /* wanted, the caller included */
    int nworkers;               /* started */
    pthread_t tid[NN_MAX_THREADS];
    const struct job *job;
    unsigned long gen;          /* job number, to wake the workers */
    int next, finished;         /* chunks taken, chunks done */
} pool = { PTHREAD_MUTEX_INITIALIZER, PTHREAD_MUTEX_INITIALIZER,
           PTHREAD_COND_INITIALIZER, PTHREAD_COND_INITIALIZER, 1, 0,
           {0}, NULL, 0, 0, 0 };

/* At most this many threads for the work the calling thread starts (0: no
 * limit beyond nn_threads()); see nn_pool_limit. */
static __thread int limit;

/* 1 + the worker number while this thread runs a chunk, else 0: a job
 * started inside a chunk runs there, as that worker (nn_parallel). */
static __thread int in_chunk;

/* Take and run chunks of the current job until none is left; pool.mu is
 * held on entry and on return. */
static void take_chunks(int worker)
{
    const struct job *j = pool.job;

    while (pool.next < j->nchunks) {
        int c = pool.next++;
        pthread_mutex_unlock(&pool.mu);
        in_chunk = worker + 1;
        j->fn(j->arg, c, worker);
        in_chunk = 0;
        pthread_mutex_lock(&pool.mu);
        if (++pool.finished == j->nchunks)
            pthread_cond_signal(&pool.done);
    }
}

static void *worker_main(void *arg)
{
    int worker = (int)(long)arg;
    unsigned long seen = 0;

    (void)nn_fp_enter();        /* the pool's own thread: for good */
    pthread_mutex_lock(&pool.mu);
    for (;;) {
        while (pool.gen == seen)
            pthread_cond_wait(&pool.work, &pool.mu);
        seen = pool.gen;
        if (pool.job && worker < pool.job->threads)
            take_chunks(worker);
    }
    return NULL;
}

/* Start workers up to n - 1; returns the number of threads to use, at
 * most n.  pool.lock is held. */
static int start_workers(int n)
{
    while (pool.nworkers < n - 1) {
        long w = pool.nworkers + 1;

        if (pthread_create(&pool.tid[w - 1], NULL, worker_main,
                           (void *)w) != 0)
            break;
        pthread_detach(pool.tid[w - 1]);
        pool.nworkers++;
    }
    return pool.nworkers + 1 < n ? pool.nworkers + 1 : n;
}

int nn_set_threads(int n)
{
    if (n <= 0) {
        long cpus = sysconf(_SC_NPROCESSORS_ONLN);
        n = cpus > 0 ? (int)cpus : 1;
    }
    if (n > NN_MAX_THREADS)
        n = NN_MAX_THREADS;
    pthread_mutex_lock(&pool.lock);
    pool.nthreads = n;
    pthread_mutex_unlock(&pool.lock);
    return n;
}

int nn_threads(void)
{
    return pool.nthreads;
}

void nn_pool_limit(int n)
{
    limit = n > 0 ? n : 0;
}

int nn_pool_threads(void)
{
    return limit && limit < pool.nthreads ? limit : pool.nthreads;
}

void nn_parallel(int n, nn_job_fn *fn, void *arg)
{
    struct job j = { fn, arg, n, 1 };
    unsigned fp = nn_fp_enter();    /* as the workers compute */
    int c;

    if (in_chunk) {
        /* A job inside a chunk (a product inside one of nn_predict's
         * parts): this thread does it all, as the worker it is. */
        for (c = 0; c < n; c++)
            fn(arg, c, in_chunk - 1);
        nn_fp_leave(fp);
        return;
    }
    if (pthread_mutex_trylock(&pool.lock) != 0) {
        /* Another thread of the program runs a job: work alone. */
        for (c = 0; c < n; c++)
            fn(arg, c, -1);
        nn_fp_leave(fp);
        return;
    }
    if (n > 1 && nn_pool_threads() > 1 &&
        (j.threads = start_workers(nn_pool_threads())) > 1) {
        pthread_mutex_lock(&pool.mu);
        pool.job = &j;
        pool.next = pool.finished = 0;
        pool.gen++;
        pthread_cond_broadcast(&pool.work);
        take_chunks(0);
        while (pool.finished < n)
            pthread_cond_wait(&pool.done, &pool.mu);
        pool.job = NULL;
        pthread_mutex_unlock(&pool.mu);
    } else {
        in_chunk = 1;
        for (c = 0; c < n; c++)
            fn(arg, c, 0);
        in_chunk = 0;
    }
    pthread_mutex_unlock(&pool.lock);
    nn_fp_leave(fp);
}
