pub mod start_task;
