import { useCallback, useEffect, useId, useRef, useState, type FormEvent } from "react";
import { ApiError, DESCRIPTION_MAX_LENGTH, TITLE_MAX_LENGTH, type Task, type TaskFilter, type TodoApi } from "../api";
import { TaskItem } from "./TaskItem";

const FILTERS: { value: TaskFilter; label: string }[] = [
  { value: "all", label: "All" },
  { value: "pending", label: "Pending" },
  { value: "completed", label: "Completed" },
];

const EMPTY_MESSAGES: Record<TaskFilter, string> = {
  all: "No tasks yet. Add one above or ask the assistant.",
  pending: "No pending tasks. Nice work!",
  completed: "No completed tasks yet.",
};

function messageOf(error: unknown): string {
  return error instanceof ApiError ? error.message : "Something went wrong. Please try again.";
}

interface TaskPanelProps {
  api: TodoApi;
  /** Changes whenever something outside this panel (the chat) may have changed tasks. */
  version: number;
}

export function TaskPanel({ api, version }: TaskPanelProps) {
  const [filter, setFilter] = useState<TaskFilter>("all");
  const [tasks, setTasks] = useState<Task[] | null>(null);
  // The cursor of the next page of tasks (the server sends at most a page at a time), null on the last.
  const [nextAfter, setNextAfter] = useState<number | null>(null);
  const [loadingMore, setLoadingMore] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [status, setStatus] = useState("");
  const [newTitle, setNewTitle] = useState("");
  const [newDescription, setNewDescription] = useState("");
  const [adding, setAdding] = useState(false);
  const ids = useId();

  // Only the newest list request may update the view: switching filters quickly
  // must not let an older, slower answer overwrite a newer one.
  const latestRequest = useRef(0);

  const reload = useCallback(async () => {
    latestRequest.current += 1;
    const request = latestRequest.current;
    try {
      const page = await api.listTasks(filter);
      if (request !== latestRequest.current) return;
      setTasks(page.tasks);
      setNextAfter(page.nextAfter);
      setError(null);
    } catch (caught) {
      if (request !== latestRequest.current) return;
      setError(messageOf(caught));
    }
  }, [api, filter]);

  useEffect(() => {
    void reload();
  }, [reload, version]);

  async function showMore() {
    if (nextAfter === null || tasks === null) return;
    const request = latestRequest.current;
    setLoadingMore(true);
    try {
      const page = await api.listTasks(filter, nextAfter);
      if (request !== latestRequest.current) return;
      setTasks([...tasks, ...page.tasks]);
      setNextAfter(page.nextAfter);
    } catch (caught) {
      setError(messageOf(caught));
    } finally {
      setLoadingMore(false);
    }
  }

  async function addTask(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const title = newTitle.trim();
    if (!title) {
      setError("Give the task a title.");
      return;
    }
    setAdding(true);
    try {
      const created = await api.createTask(title, newDescription.trim() || undefined);
      setNewTitle("");
      setNewDescription("");
      setStatus(`Added “${created.title}”.`);
      await reload();
    } catch (caught) {
      setError(messageOf(caught));
    } finally {
      setAdding(false);
    }
  }

  // Runs one change, then reloads so the list matches the server and the filter.
  async function change(action: () => Promise<string>) {
    try {
      setStatus(await action());
      setError(null);
    } catch (caught) {
      setError(messageOf(caught));
    }
    await reload();
  }

  const onToggle = (task: Task) =>
    change(async () => {
      const updated = await api.setCompleted(task.id, !task.completed);
      return updated.completed ? `Completed “${updated.title}”.` : `Marked “${updated.title}” as pending.`;
    });

  const onSave = (task: Task, title: string, description: string) =>
    change(async () => {
      const updated = await api.updateTask(task.id, { title, description });
      return `Saved “${updated.title}”.`;
    });

  const onDelete = (task: Task) =>
    change(async () => {
      await api.deleteTask(task.id);
      return `Deleted “${task.title}”.`;
    });

  return (
    <section className="card task-panel" aria-labelledby={`${ids}-heading`}>
      <h2 id={`${ids}-heading`}>Your tasks</h2>

      <form className="add-task" onSubmit={addTask}>
        <label htmlFor={`${ids}-title`}>New task</label>
        <input
          id={`${ids}-title`}
          type="text"
          required
          maxLength={TITLE_MAX_LENGTH}
          placeholder="e.g. Pay the electricity bill"
          value={newTitle}
          onChange={(event) => setNewTitle(event.target.value)}
        />
        <label htmlFor={`${ids}-description`}>Description (optional)</label>
        <textarea
          id={`${ids}-description`}
          rows={2}
          maxLength={DESCRIPTION_MAX_LENGTH}
          value={newDescription}
          onChange={(event) => setNewDescription(event.target.value)}
        />
        <button type="submit" className="button primary" disabled={adding}>
          {adding ? "Adding…" : "Add task"}
        </button>
      </form>

      <div className="filters" role="group" aria-label="Show tasks">
        {FILTERS.map((option) => (
          <button
            key={option.value}
            type="button"
            className="filter-button"
            aria-pressed={filter === option.value}
            onClick={() => setFilter(option.value)}
          >
            {option.label}
          </button>
        ))}
      </div>

      <p className="visually-hidden" role="status" aria-live="polite">
        {status}
      </p>
      {error && (
        <p className="error" role="alert">
          {error}
        </p>
      )}

      {tasks === null ? (
        <p className="muted">Loading tasks…</p>
      ) : tasks.length === 0 ? (
        <p className="muted">{EMPTY_MESSAGES[filter]}</p>
      ) : (
        <>
          <ul className="task-list" aria-label="Tasks">
            {tasks.map((task) => (
              <TaskItem key={task.id} task={task} onToggle={onToggle} onSave={onSave} onDelete={onDelete} />
            ))}
          </ul>
          {nextAfter !== null && (
            <button type="button" className="button" onClick={() => void showMore()} disabled={loadingMore}>
              {loadingMore ? "Loading…" : "Show more tasks"}
            </button>
          )}
        </>
      )}
    </section>
  );
}
