import { useId, useState, type FormEvent } from "react";
import { DESCRIPTION_MAX_LENGTH, TITLE_MAX_LENGTH, type Task } from "../api";

interface TaskItemProps {
  task: Task;
  onToggle: (task: Task) => Promise<void>;
  onSave: (task: Task, title: string, description: string) => Promise<void>;
  onDelete: (task: Task) => Promise<void>;
}

export function TaskItem({ task, onToggle, onSave, onDelete }: TaskItemProps) {
  const [editing, setEditing] = useState(false);
  const [title, setTitle] = useState(task.title);
  const [description, setDescription] = useState(task.description ?? "");
  const [busy, setBusy] = useState(false);
  const [editError, setEditError] = useState<string | null>(null);
  const ids = useId();

  async function run(action: () => Promise<void>) {
    setBusy(true);
    try {
      await action();
    } finally {
      setBusy(false);
    }
  }

  function startEditing() {
    setTitle(task.title);
    setDescription(task.description ?? "");
    setEditError(null);
    setEditing(true);
  }

  async function save(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const trimmed = title.trim();
    if (!trimmed) {
      setEditError("The title cannot be empty.");
      return;
    }
    await run(() => onSave(task, trimmed, description.trim()));
    setEditing(false);
  }

  if (editing) {
    return (
      <li className="task-item editing">
        <form onSubmit={save} className="edit-task" aria-label={`Edit “${task.title}”`}>
          <label htmlFor={`${ids}-title`}>Title</label>
          <input
            id={`${ids}-title`}
            type="text"
            required
            maxLength={TITLE_MAX_LENGTH}
            value={title}
            onChange={(event) => setTitle(event.target.value)}
            autoFocus
          />
          <label htmlFor={`${ids}-description`}>Description</label>
          <textarea
            id={`${ids}-description`}
            rows={2}
            maxLength={DESCRIPTION_MAX_LENGTH}
            value={description}
            onChange={(event) => setDescription(event.target.value)}
          />
          {editError && (
            <p className="error" role="alert">
              {editError}
            </p>
          )}
          <div className="row-actions">
            <button type="submit" className="button primary" disabled={busy}>
              Save
            </button>
            <button type="button" className="button secondary" onClick={() => setEditing(false)} disabled={busy}>
              Cancel
            </button>
          </div>
        </form>
      </li>
    );
  }

  return (
    <li className={task.completed ? "task-item done" : "task-item"}>
      <input
        id={`${ids}-done`}
        type="checkbox"
        className="task-check"
        checked={task.completed}
        disabled={busy}
        onChange={() => run(() => onToggle(task))}
      />
      <div className="task-text">
        <label htmlFor={`${ids}-done`} className="task-title">
          {task.title}
        </label>
        {task.description && <p className="task-description">{task.description}</p>}
        <span className="task-meta">
          #{task.number}
          {task.completed && <span className="badge">Done</span>}
        </span>
      </div>
      <div className="row-actions">
        <button type="button" className="button small secondary" onClick={startEditing} disabled={busy} aria-label={`Edit “${task.title}”`}>
          Edit
        </button>
        <button
          type="button"
          className="button small danger"
          onClick={() => run(() => onDelete(task))}
          disabled={busy}
          aria-label={`Delete “${task.title}”`}
        >
          Delete
        </button>
      </div>
    </li>
  );
}
