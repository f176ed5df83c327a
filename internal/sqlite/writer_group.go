package sqlite

// runReadings runs consecutive WriteReadings jobs of the open transaction as
// one combined write and puts each job's outcome in errs. whole reports that
// these jobs are the whole transaction: the combined write then needs no
// savepoint, since undoing it is rolling the transaction back. If the
// combined write fails, it is undone and the jobs run again one by one, each
// in a savepoint, so that a failing job fails alone. It returns a fatal
// error when the transaction is left in an unknown state.
func (w *writer) runReadings(batch []*job, errs []error, whole bool) error {
	live := make([]*job, 0, len(batch))
	at := make([]int, 0, len(batch))
	for i, j := range batch {
		if errs[i] = j.ctx.Err(); errs[i] == nil {
			live, at = append(live, j), append(at, i)
		}
	}
	if len(live) == 0 {
		return nil
	}
	if !whole {
		if err := w.tx.control("SAVEPOINT grp"); err != nil {
			return err
		}
	}
	out, err := w.runGroup(live)
	if err == nil {
		for k, i := range at {
			errs[i] = out[k]
		}
		if !whole {
			return w.tx.control("RELEASE grp")
		}
		return nil
	}
	// Undo the combined write.
	if whole {
		if rerr := w.rollback("ROLLBACK"); rerr != nil {
			return rerr
		}
		if rerr := w.tx.control("BEGIN IMMEDIATE"); rerr != nil {
			return rerr
		}
	} else {
		if rerr := w.rollback("ROLLBACK TO grp"); rerr != nil {
			return rerr
		}
		if rerr := w.tx.control("RELEASE grp"); rerr != nil {
			return rerr
		}
	}
	if len(live) == 1 {
		errs[at[0]] = err
		return nil
	}
	for k, j := range live {
		jobErr, fatal := w.runGroupJob(j)
		if fatal != nil {
			return fatal
		}
		errs[at[k]] = jobErr
	}
	return nil
}

// runGroup runs jobs as one write, classifying the errors.
func (w *writer) runGroup(jobs []*job) (errs []error, err error) {
	rjs := make([]*readingsJob, len(jobs))
	for i, j := range jobs {
		rjs[i] = j.rj
	}
	err = w.tx.run(func(tx *wtx) error {
		var gerr error
		errs, gerr = w.group(tx, rjs)
		return gerr
	})
	if err != nil {
		return nil, w.classify(err)
	}
	for i := range errs {
		errs[i] = w.classify(errs[i])
	}
	return errs, nil
}

// runGroupJob runs one WriteReadings job in a savepoint.
func (w *writer) runGroupJob(j *job) (jobErr, fatal error) {
	if err := w.tx.control("SAVEPOINT job"); err != nil {
		return nil, err
	}
	errs, err := w.runGroup([]*job{j})
	if err == nil {
		jobErr = errs[0]
	} else {
		jobErr = err
		if rerr := w.rollback("ROLLBACK TO job"); rerr != nil {
			return jobErr, rerr
		}
	}
	return jobErr, w.tx.control("RELEASE job")
}

// rollback runs a ROLLBACK statement and tells the store.
func (w *writer) rollback(stmt string) error {
	err := w.tx.control(stmt)
	if w.forgetState != nil {
		w.forgetState()
	}
	return err
}
